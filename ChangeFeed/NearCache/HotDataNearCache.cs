using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace OrleansHotData.ChangeFeed;

/// <summary>
/// A process's near-cache of hot-data keys: a read of a cached key is a lookup in this process's memory, and the key's
/// grain pushes every applied change here (through the silo's numbered channel to this process, see
/// <see cref="IHotDataCacheObserver"/>). What it promises:
/// <list type="bullet">
/// <item>a read never returns a version older than one this cache already returned or was told about (versions only grow);</item>
/// <item>after a write through this process returns, its result is what this cache holds or older is never served (<see cref="OnWritten"/>);</item>
/// <item>an entry is served only while its subscription is confirmed: right after it was made, or by a heartbeat of its
///   channel that came after it with every message before it received, within <see cref="HotDataNearCacheOptions.MaxStaleness"/>;
///   otherwise the read goes to the grain (and subscribes again). A gap in a channel's numbers, a silo gone silent, an
///   ended subscription or a dropped connection to the cluster all end the trust in the entries concerned.</item>
/// </list>
/// </summary>
public sealed partial class HotDataNearCache : IHotDataCacheObserver, IAsyncDisposable
{
    /// <summary>The meter of the near-cache's counters.</summary>
    public const string MeterName = "OrleansHotData.NearCache";

    private readonly IGrainFactory _grains;
    private readonly HotDataNearCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _maxStalenessTicks;
    private readonly long _renewAfterTicks;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Entry> _clock = new();
    private readonly Lock _referenceSync = new();
    private readonly Meter? _meter;
    private IHotDataCacheObserver? _reference;
    private long _bytes;
    private long _count;
    private long _hits;
    private long _misses;
    private long _revalidations;
    private long _invalidations;
    private long _evictions;
    private long _updates;
    private int _evicting;
    private bool _disposed;

    /// <summary>Creates a near-cache that subscribes keys through <paramref name="grains"/>; <paramref name="meters"/> exports its counters.</summary>
    public HotDataNearCache(IGrainFactory grains, HotDataNearCacheOptions options, TimeProvider time, ILogger logger, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _grains = grains;
        _options = options;
        _time = time;
        _logger = logger;
        _maxStalenessTicks = (long)(options.MaxStaleness.TotalSeconds * time.TimestampFrequency);
        _renewAfterTicks = (long)(HotDataWatch.SubscriptionLease.TotalSeconds / 2 * time.TimestampFrequency);
        if (meters is not null)
        {
            _meter = meters.Create(MeterName);
            _meter.CreateObservableCounter("hotdata_near_cache_hits", () => Volatile.Read(ref _hits), description: "Reads answered from the near-cache");
            _meter.CreateObservableCounter("hotdata_near_cache_misses", () => Volatile.Read(ref _misses), description: "Reads of keys not in the near-cache");
            _meter.CreateObservableCounter("hotdata_near_cache_revalidations", () => Volatile.Read(ref _revalidations), description: "Reads of cached keys whose subscription was not confirmed in time, read from the grain again");
            _meter.CreateObservableCounter("hotdata_near_cache_invalidations", () => Volatile.Read(ref _invalidations), description: "Near-cache subscriptions ended by their silo, and channels distrusted after a lost message or a dropped connection");
            _meter.CreateObservableCounter("hotdata_near_cache_evictions", () => Volatile.Read(ref _evictions), description: "Entries evicted to stay within the near-cache's limits");
            _meter.CreateObservableCounter("hotdata_near_cache_updates", () => Volatile.Read(ref _updates), description: "Changes pushed by the grains into cached entries");
            _meter.CreateObservableGauge("hotdata_near_cache_entries", () => Volatile.Read(ref _count), description: "Keys in the near-cache");
            _meter.CreateObservableGauge("hotdata_near_cache_bytes", () => Volatile.Read(ref _bytes), unit: "By", description: "Estimated memory of the near-cache's entries");
        }
    }

    /// <summary>Whether reads are served from memory.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>What the cache has done since it started.</summary>
    public HotDataNearCacheStatistics Statistics => new(
        Volatile.Read(ref _hits), Volatile.Read(ref _misses), Volatile.Read(ref _revalidations), Volatile.Read(ref _invalidations),
        Volatile.Read(ref _evictions), Volatile.Read(ref _updates), Volatile.Read(ref _count), Volatile.Read(ref _bytes));

    /// <summary>The key's cached version when it can be served now, without a call.</summary>
    public bool TryGet(string key, out HotDataCachedValue value)
    {
        if (_options.Enabled && _entries.TryGetValue(key, out var entry) && entry.Value is { } cached)
        {
            var now = _time.GetTimestamp();
            if (IsConfirmed(entry, now))
            {
                Interlocked.Increment(ref _hits);
                entry.Accessed = 1;
                if (now - entry.Subscription!.SubscribedAt > _renewAfterTicks && entry.Refreshing is null or { IsCompleted: true })
                {
                    // Renew the lease of a key still being read, before the silo lets it lapse (a failure is logged
                    // where it happens; the entry is then confirmed no longer and read from its grain).
                    RefreshAsync(entry, CancellationToken.None).ContinueWith(
                        static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                }

                value = cached;
                return true;
            }
        }

        value = null!;
        return false;
    }

    /// <summary>
    /// Reads the key: from memory when its entry is confirmed, otherwise from its grain (subscribing the key, so the
    /// next read is local). With <paramref name="fresh"/> the grain is always asked.
    /// </summary>
    public async ValueTask<HotDataCachedValue> GetAsync(string key, bool fresh, CancellationToken cancellationToken)
    {
        if (!_options.Enabled || fresh)
        {
            var value = await _grains.GetGrain<IHotDataGrain>(key).GetAsync().WaitAsync(cancellationToken);
            var read = value is null ? new HotDataCachedValue(key, 0, null, DateTimeOffset.UnixEpoch, null) : new HotDataCachedValue(value);
            // Never older than what this cache holds: a value it was pushed may have arrived before the answer.
            return _options.Enabled && value is not null ? Merge(read) ?? read : read;
        }

        if (TryGet(key, out var hit))
        {
            return hit;
        }

        var entry = GetOrAddEntry(key);
        if (entry.Value is null)
        {
            Interlocked.Increment(ref _misses);
        }
        else
        {
            Interlocked.Increment(ref _revalidations);
        }

        await RefreshAsync(entry, cancellationToken);
        return entry.Value!;
    }

    /// <summary>
    /// A write through this process returned <paramref name="version"/> (with <paramref name="value"/>, or none when
    /// the write deleted it): a cached entry of the key moves to it if it is older, so this process reads its writes.
    /// </summary>
    public void OnWritten(string key, long version, HotDataValue? value)
    {
        if (_options.Enabled)
        {
            Merge(value is null ? new HotDataCachedValue(key, version, null, DateTimeOffset.UtcNow, null) : new HotDataCachedValue(value));
        }
    }

    void IHotDataCacheObserver.OnCachePush(HotDataCachePush push)
    {
        if (push.Changes is { } changes)
        {
            foreach (var change in changes)
            {
                if (Merge(new HotDataCachedValue(change)) is not null)
                {
                    Interlocked.Increment(ref _updates);
                }
            }
        }

        _channels.TryGetValue(push.Channel, out var channel);
        if (push.Ended is { } ended)
        {
            foreach (var key in ended)
            {
                if (_entries.TryGetValue(key, out var entry) && entry.Subscription is { } subscription && subscription.Channel.Id == push.Channel)
                {
                    entry.Subscription = null;
                    Interlocked.Increment(ref _invalidations);
                }
            }
        }

        if (channel is null)
        {
            return;
        }

        var reset = push.IsHeartbeat
            ? channel.OnHeartbeat(push.Sequence, push.Round, _time.GetTimestamp())
            : channel.OnMessage(push.Sequence);
        if (reset)
        {
            Interlocked.Increment(ref _invalidations);
            LogChannelReset(push.Channel);
        }
    }


    /// <summary>Stops receiving pushes; the silos let the subscriptions run out their leases.</summary>
    public ValueTask DisposeAsync()
    {
        IHotDataCacheObserver? reference;
        lock (_referenceSync)
        {
            _disposed = true;
            reference = _reference;
            _reference = null;
        }

        if (reference is not null)
        {
            _grains.DeleteObjectReference<IHotDataCacheObserver>(reference);
        }

        _entries.Clear();
        _meter?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The connection to the cluster dropped or changed: messages may have been lost with it, so no entry is served
    /// again before a new subscription or heartbeat confirms it.
    /// </summary>
    internal void DropChannels()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Drop();
            Interlocked.Increment(ref _invalidations);
        }

        _channels.Clear();
        LogChannelsDropped();
    }

    private bool IsConfirmed(Entry entry, long now)
    {
        if (entry.Subscription is not { } subscription)
        {
            return false;
        }

        if (now - subscription.SubscribedAt < _maxStalenessTicks)
        {
            return true;
        }

        var channel = subscription.Channel;
        return channel.Confirms(subscription.Generation, subscription.Sequence, subscription.Round, now - _maxStalenessTicks);
    }

    // Counted and put on the clock only when it is the one added: GetOrAdd may build entries it then throws away.
    private Entry GetOrAddEntry(string key)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        var created = new Entry(key);
        if (!_entries.TryAdd(key, created))
        {
            return _entries.TryGetValue(key, out entry) ? entry : GetOrAddEntry(key);
        }

        _clock.Enqueue(created);
        Interlocked.Increment(ref _count);
        return created;
    }

    // Raises the key's entry to `value` if it is newer; returns the entry's value after that (null: not cached).
    private HotDataCachedValue? Merge(HotDataCachedValue value)
    {
        if (!_entries.TryGetValue(value.Key, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            if (!Raise(entry, value))
            {
                return entry.Value;
            }
        }

        EvictIfNeeded();
        return value;
    }

    // Under the entry's lock: the entry takes `value` if it is newer than what it holds.
    private bool Raise(Entry entry, HotDataCachedValue value)
    {
        if (entry.Value is { } current && current.Version >= value.Version)
        {
            return false;
        }

        if (!entry.Removed)
        {
            var size = value.EstimatedBytes;
            Interlocked.Add(ref _bytes, size - entry.Size);
            entry.Size = size;
        }

        entry.Value = value;
        return true;
    }

    private Task RefreshAsync(Entry entry, CancellationToken cancellationToken)
    {
        Task refreshing;
        lock (entry)
        {
            if (entry.Refreshing is not { IsCompleted: false } running)
            {
                running = SubscribeAsync(entry);
                entry.Refreshing = running;
            }

            refreshing = running;
        }

        return refreshing.WaitAsync(cancellationToken);
    }

    private async Task SubscribeAsync(Entry entry)
    {
        await Task.Yield();
        var sentAt = _time.GetTimestamp();
        HotDataCacheSubscription subscription;
        try
        {
            subscription = await _grains.GetGrain<IHotDataGrain>(entry.Key).SubscribeCacheAsync(Reference());
        }
        catch (Exception ex)
        {
            LogSubscribeFailed(ex, entry.Key);
            if (entry.Value is null)
            {
                Remove(entry);
            }

            throw;
        }

        var channel = _channels.GetOrAdd(subscription.Channel, static (id, sequence) => new ChannelState(id, sequence), subscription.Sequence);
        var value = new HotDataCachedValue(subscription.Current);
        lock (entry)
        {
            Raise(entry, value);
            entry.Subscription = new Subscription(channel, channel.Generation, subscription.Sequence, subscription.Round, sentAt);
        }

        EvictIfNeeded();
    }

    private IHotDataCacheObserver Reference()
    {
        lock (_referenceSync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _reference ??= _grains.CreateObjectReference<IHotDataCacheObserver>(this);
        }
    }

    // Second-chance (CLOCK) eviction in the order keys came in: an entry read since the hand last passed stays once more.
    // One thread evicts at a time; it looks again after letting go, since an entry may have come in meanwhile.
    private void EvictIfNeeded()
    {
        while (OverLimits && Interlocked.Exchange(ref _evicting, 1) == 0)
        {
            var evicted = 0;
            try
            {
                var budget = (2 * Volatile.Read(ref _count)) + 1;
                while (OverLimits && budget-- > 0 && _clock.TryDequeue(out var entry))
                {
                    if (entry.Removed)
                    {
                        continue;
                    }

                    // An entry still being subscribed stays: a reader is waiting for it.
                    if (Interlocked.Exchange(ref entry.Accessed, 0) == 1 || entry.Value is null)
                    {
                        _clock.Enqueue(entry);
                        continue;
                    }

                    if (Remove(entry))
                    {
                        evicted++;
                        Interlocked.Increment(ref _evictions);
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _evicting, 0);
            }

            if (evicted == 0)
            {
                return;
            }
        }
    }

    private bool OverLimits => Volatile.Read(ref _count) > _options.MaxEntries || Volatile.Read(ref _bytes) > _options.MaxBytes;

    // The silo's subscription is left to run out its lease: telling the grain would activate a key that may be idle.
    private bool Remove(Entry entry)
    {
        if (!_entries.TryRemove(new KeyValuePair<string, Entry>(entry.Key, entry)))
        {
            return false;
        }

        lock (entry)
        {
            entry.Removed = true;
            Interlocked.Add(ref _bytes, -entry.Size);
            entry.Size = 0;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Near-cache: subscribing key {Key} failed")]
    private partial void LogSubscribeFailed(Exception exception, string key);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Near-cache: channel {Channel} lost a message or fell silent; its entries are read from their grains again")]
    private partial void LogChannelReset(string channel);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Near-cache: the connection to the cluster changed; every entry is confirmed again before it is served")]
    private partial void LogChannelsDropped();

    private sealed class Entry(string key)
    {
        public string Key { get; } = key;

        public volatile HotDataCachedValue? Value;

        public volatile Subscription? Subscription;

        public volatile Task? Refreshing;

        public int Accessed;

        public long Size;

        public bool Removed;
    }

    private sealed record Subscription(ChannelState Channel, long Generation, long Sequence, long Round, long SubscribedAt);
}
