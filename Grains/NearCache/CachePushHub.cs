using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansHotData.Grains.NearCache;

/// <summary>
/// The silo's side of the near-caches: which process caches which key of this silo's activations, and one numbered
/// channel of one-way messages to each such process. A grain hands every applied change of a subscribed key to
/// <see cref="Publish"/>; a background loop sends what accumulated as one message per process, and every
/// <see cref="HotDataOptions.CacheHeartbeatInterval"/> a heartbeat with the channel's last number. The grains keep no
/// per-subscriber state of their own, and a key nobody caches costs one dictionary lookup per change.
/// </summary>
public sealed partial class CachePushHub : IAsyncDisposable
{
    // Leases are checked a few times per lease, not every heartbeat: the scan visits every subscription.
    private static readonly TimeSpan LeaseScanInterval = HotDataWatch.SubscriptionLease / 8;

    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly TimeProvider _time;
    private readonly TimeSpan _heartbeatInterval;
    private readonly ILogger<CachePushHub> _logger;
    private readonly Lock _sync = new();
    // Changed only under _sync; concurrent so that a grain's check of its key needs no lock.
    private readonly ConcurrentDictionary<string, Dictionary<Channel, DateTimeOffset>> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<GrainId, Channel> _channels = [];
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private volatile int _subscribedKeys;
    private long _round;
    private long _channelsCreated;
    private int _wakePending;

    public CachePushHub(IOptions<HotDataOptions> options, TimeProvider time, ILogger<CachePushHub> logger, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (meters is not null)
        {
            var meter = meters.Create(HotDataMetrics.MeterName);
            meter.CreateObservableGauge("hotdata_cache_push_channels", () => Channels, description: "Processes whose near-cache this silo keeps current");
            meter.CreateObservableGauge("hotdata_cache_push_subscribed_keys", () => SubscribedKeys, description: "Keys of this silo's activations subscribed by some near-cache");
        }

        _time = time;
        _heartbeatInterval = options.Value.CacheHeartbeatInterval;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Processes whose near-cache this silo keeps current.</summary>
    public int Channels
    {
        get
        {
            lock (_sync)
            {
                return _channels.Count;
            }
        }
    }

    /// <summary>Keys of this silo's activations that some near-cache subscribes to.</summary>
    public int SubscribedKeys => _subscribedKeys;

    /// <summary>Subscribes (or renews) <paramref name="observer"/> to <paramref name="current"/>'s key.</summary>
    public HotDataCacheSubscription Subscribe(HotDataNotification current, IHotDataCacheObserver observer)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(observer);
        var leaseEnd = _time.GetUtcNow() + HotDataWatch.SubscriptionLease;
        lock (_sync)
        {
            var observerId = observer.GetGrainId();
            if (!_channels.TryGetValue(observerId, out var channel))
            {
                channel = new Channel($"{_id}.{++_channelsCreated}", observer);
                _channels[observerId] = channel;
            }

            if (!_keys.TryGetValue(current.Key, out var subscribers))
            {
                subscribers = [];
                _keys[current.Key] = subscribers;
                _subscribedKeys++;
            }

            // An end of this subscription not yet sent is void now.
            channel.Ended?.Remove(current.Key);
            if (subscribers.TryAdd(channel, leaseEnd))
            {
                channel.Subscriptions++;
            }
            else
            {
                subscribers[channel] = leaseEnd;
            }

            return new HotDataCacheSubscription(current, channel.Id, channel.Sequence, _round);
        }
    }

    /// <summary>Whether any near-cache subscribes to <paramref name="key"/>: a cheap check before building a notification.</summary>
    public bool IsSubscribed(string key) => _subscribedKeys != 0 && _keys.ContainsKey(key);

    /// <summary>Queues an applied change for every near-cache subscribed to its key; sent within moments, one-way.</summary>
    public void Publish(HotDataNotification change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_sync)
        {
            if (!_keys.TryGetValue(change.Key, out var subscribers))
            {
                return;
            }

            foreach (var channel in subscribers.Keys)
            {
                (channel.Changes ??= []).Add(change);
            }
        }

        Wake();
    }

    /// <summary>The key's activation is going away: its subscribers are told, since nothing will keep them current.</summary>
    public void EndKey(string key)
    {
        lock (_sync)
        {
            if (!_keys.TryRemove(key, out var subscribers))
            {
                return;
            }

            _subscribedKeys--;
            foreach (var channel in subscribers.Keys)
            {
                channel.Subscriptions--;
                (channel.Ended ??= []).Add(key);
            }
        }

        Wake();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Release();
        }
    }

    private async Task RunAsync()
    {
        var nextHeartbeat = _time.GetTimestamp();
        var nextLeaseScan = nextHeartbeat;
        var heartbeatTicks = (long)(_heartbeatInterval.TotalSeconds * _time.TimestampFrequency);
        var leaseScanTicks = (long)(LeaseScanInterval.TotalSeconds * _time.TimestampFrequency);
        var sends = new List<(IHotDataCacheObserver Observer, HotDataCachePush Push)>();
        while (!_stopping.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(Math.Max(0, nextHeartbeat - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
            try
            {
                await _wake.WaitAsync(wait, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Volatile.Write(ref _wakePending, 0);
            var now = _time.GetTimestamp();
            var heartbeat = now >= nextHeartbeat;
            if (heartbeat)
            {
                nextHeartbeat = now + heartbeatTicks;
            }

            lock (_sync)
            {
                if (heartbeat && now >= nextLeaseScan)
                {
                    nextLeaseScan = now + leaseScanTicks;
                    EndExpiredLeases(_time.GetUtcNow());
                }

                Collect(heartbeat, sends);
            }

            foreach (var (observer, push) in sends)
            {
                try
                {
                    observer.OnCachePush(push);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Only a failure to even send it ends here: the process notices the gap or the silence and revalidates.
                    LogPushFailed(ex, push.Channel);
                }
            }

            sends.Clear();
        }
    }

    // Under _sync: one message per channel with something to say, then (on a heartbeat) the round's heartbeats.
    private void Collect(bool heartbeat, List<(IHotDataCacheObserver, HotDataCachePush)> sends)
    {
        if (heartbeat)
        {
            _round++;
        }

        List<GrainId>? idle = null;
        foreach (var (observerId, channel) in _channels)
        {
            if (channel.Changes is not null || channel.Ended is not null)
            {
                channel.Sequence++;
                sends.Add((channel.Observer, new HotDataCachePush(channel.Id, channel.Sequence, _round, channel.Changes?.ToArray(), channel.Ended?.ToArray())));
                channel.Changes = null;
                channel.Ended = null;
            }

            if (heartbeat)
            {
                if (channel.Subscriptions == 0)
                {
                    (idle ??= []).Add(observerId);
                }
                else
                {
                    sends.Add((channel.Observer, new HotDataCachePush(channel.Id, channel.Sequence, _round, null, null)));
                }
            }
        }

        // A process with no subscription left gets no heartbeats; a later subscription opens a new channel.
        idle?.ForEach(id => _channels.Remove(id));
    }

    // Under _sync.
    private void EndExpiredLeases(DateTimeOffset now)
    {
        List<string>? emptied = null;
        foreach (var (key, subscribers) in _keys)
        {
            List<Channel>? expired = null;
            foreach (var (channel, leaseEnd) in subscribers)
            {
                if (leaseEnd <= now)
                {
                    (expired ??= []).Add(channel);
                }
            }

            if (expired is null)
            {
                continue;
            }

            foreach (var channel in expired)
            {
                subscribers.Remove(channel);
                channel.Subscriptions--;
                (channel.Ended ??= []).Add(key);
            }

            if (subscribers.Count == 0)
            {
                (emptied ??= []).Add(key);
            }
        }

        foreach (var key in emptied ?? [])
        {
            _keys.TryRemove(key, out _);
            _subscribedKeys--;
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "A near-cache message on channel {Channel} could not be sent; the process revalidates when it notices")]
    private partial void LogPushFailed(Exception exception, string channel);

    private sealed class Channel(string id, IHotDataCacheObserver observer)
    {
        public string Id { get; } = id;

        public IHotDataCacheObserver Observer { get; } = observer;

        public long Sequence { get; set; }

        public int Subscriptions { get; set; }

        public List<HotDataNotification>? Changes { get; set; }

        public List<string>? Ended { get; set; }
    }
}
