using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OrleansHotData.ChangeFeed;

/// <summary>
/// This process's side of change notifications. For each key that has watchers here, one observer is subscribed to
/// the key's grain, which sends it every applied change one-way; the feed fans each change out to its watchers through
/// bounded buffers. A watcher that falls behind loses its oldest buffered changes, never blocks anyone, and catches up
/// with the next change it reads, since every notification carries the whole value. Subscriptions are renewed
/// periodically, which also recovers from a grain that moved to another silo and forgot them.
/// </summary>
public sealed partial class HotDataChangeFeed : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ILogger<HotDataChangeFeed> _logger;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, KeyFeed> _feeds = new(StringComparer.Ordinal);
    private readonly ITimer _renewTimer;
    private bool _disposed;

    /// <summary>Creates the feed; it subscribes to grains through <paramref name="grains"/>.</summary>
    public HotDataChangeFeed(IGrainFactory grains, TimeProvider time, ILogger<HotDataChangeFeed> logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        _grains = grains;
        _logger = logger;
        _renewTimer = time.CreateTimer(_ => RenewAll(), null, HotDataWatch.RenewInterval, HotDataWatch.RenewInterval);
    }

    /// <summary>
    /// The changes of <paramref name="key"/>, in version order, until <paramref name="cancellationToken"/> is cancelled.
    /// First comes the current state when it differs from <paramref name="fromVersion"/> (or always, without one):
    /// a reconnecting watcher never misses the latest value.
    /// </summary>
    /// <param name="key">A valid key (not checked here).</param>
    /// <param name="fromVersion">The last version the watcher has; <see langword="null"/> for none.</param>
    /// <param name="bufferCapacity">How many changes may wait for this watcher before the oldest are dropped.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    public async IAsyncEnumerable<HotDataNotification> WatchAsync(
        string key,
        long? fromVersion,
        int bufferCapacity,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferCapacity, 1);
        var watcher = new Watcher(bufferCapacity);
        var (feed, current) = await JoinAsync(key, watcher, cancellationToken);
        try
        {
            var last = fromVersion ?? -1;
            if (current is not null && current.Version != last)
            {
                yield return current;
                last = current.Version;
            }
            else if (current is null && fromVersion > 0)
            {
                // The key has nothing now (it expired and left no trace): say so rather than stay silent.
                var absent = new HotDataNotification(key, 0, null, HotDataChangeSource.Unknown, DateTimeOffset.UnixEpoch, null);
                yield return absent;
                last = 0;
            }

            last = Math.Max(last, 0);
            await foreach (var (notification, resync) in watcher.Reader.ReadAllAsync(cancellationToken))
            {
                if (resync ? notification.Version != last : notification.Version > last)
                {
                    last = notification.Version;
                    yield return notification;
                }
            }
        }
        finally
        {
            Leave(feed, watcher);
        }
    }

    /// <summary>
    /// Ends every watch of this process. The grains are not called (the cluster may be going away with this process):
    /// they drop the subscriptions when their leases run out, and one-way calls to a gone observer cost them nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        KeyFeed[] feeds;
        lock (_sync)
        {
            _disposed = true;
            feeds = [.. _feeds.Values];
            _feeds.Clear();
        }

        await _renewTimer.DisposeAsync();
        foreach (var feed in feeds)
        {
            feed.Close();
        }
    }

    private async Task<(KeyFeed Feed, HotDataNotification? Current)> JoinAsync(string key, Watcher watcher, CancellationToken cancellationToken)
    {
        KeyFeed feed;
        var created = false;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_feeds.TryGetValue(key, out feed!))
            {
                feed = new KeyFeed(this, key);
                _feeds[key] = feed;
                created = true;
            }

            feed.Members++;
        }

        if (created)
        {
            _ = SubscribeAsync(feed);
        }

        try
        {
            await feed.Subscribed.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(feed, null);
            throw;
        }

        return (feed, feed.Add(watcher));
    }

    private async Task SubscribeAsync(KeyFeed feed)
    {
        try
        {
            feed.Reference = _grains.CreateObjectReference<IHotDataChangeObserver>(feed);
            var current = await _grains.GetGrain<IHotDataGrain>(feed.Key).WatchAsync(feed.Reference);
            feed.Apply(current, resync: false);
            feed.Subscribed.TrySetResult();
        }
        catch (Exception ex)
        {
            feed.Subscribed.TrySetException(ex);
        }
    }

    private void Leave(KeyFeed feed, Watcher? watcher)
    {
        if (watcher is not null)
        {
            feed.Remove(watcher);
        }

        bool disposed;
        lock (_sync)
        {
            if (--feed.Members > 0)
            {
                return;
            }

            if (_feeds.TryGetValue(feed.Key, out var registered) && ReferenceEquals(registered, feed))
            {
                _feeds.Remove(feed.Key);
            }

            disposed = _disposed;
        }

        feed.Close();
        if (!disposed)
        {
            _ = UnsubscribeAsync(feed);
        }
    }

    private async Task UnsubscribeAsync(KeyFeed feed)
    {
        if (feed.Reference is not { } reference)
        {
            return;
        }

        try
        {
            await _grains.GetGrain<IHotDataGrain>(feed.Key).UnwatchAsync(reference);
        }
        catch (Exception ex)
        {
            // The grain forgets the subscription when its lease runs out.
            LogUnwatchFailed(ex, feed.Key);
        }
        finally
        {
            _grains.DeleteObjectReference<IHotDataChangeObserver>(reference);
        }
    }

    private void RenewAll()
    {
        KeyFeed[] feeds;
        lock (_sync)
        {
            feeds = [.. _feeds.Values];
        }

        foreach (var feed in feeds)
        {
            _ = RenewAsync(feed);
        }
    }

    /// <summary>Renews the subscription and delivers the current state if the feed missed or misordered anything.</summary>
    private async Task RenewAsync(KeyFeed feed)
    {
        if (feed.Reference is not { } reference || !feed.Subscribed.Task.IsCompletedSuccessfully || feed.IsClosed)
        {
            return;
        }

        try
        {
            var current = await _grains.GetGrain<IHotDataGrain>(feed.Key).WatchAsync(reference);
            feed.Apply(current, resync: true);
        }
        catch (Exception ex)
        {
            LogRenewFailed(ex, feed.Key);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Renewing the watch of key {Key} failed; it is retried on the next renewal")]
    private partial void LogRenewFailed(Exception exception, string key);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Ending the watch of key {Key} failed; the grain drops it when its lease runs out")]
    private partial void LogUnwatchFailed(Exception exception, string key);

    /// <summary>One key's subscription in this process and its local watchers.</summary>
    private sealed class KeyFeed(HotDataChangeFeed owner, string key) : IHotDataChangeObserver
    {
        private readonly Lock _sync = new();
        private readonly List<Watcher> _watchers = [];
        private HotDataNotification? _latest;
        private bool _closed;

        public string Key { get; } = key;

        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IHotDataChangeObserver? Reference { get; set; }

        /// <summary>Watchers joined or joining; guarded by the owner's lock.</summary>
        public int Members { get; set; }

        public bool IsClosed
        {
            get
            {
                lock (_sync)
                {
                    return _closed;
                }
            }
        }

        public void OnChanged(HotDataNotification notification)
        {
            ArgumentNullException.ThrowIfNull(notification);
            bool older;
            lock (_sync)
            {
                var latest = _latest?.Version ?? 0;
                older = notification.Version < latest;
                if (notification.Version > latest)
                {
                    Publish(notification, resync: false);
                    return;
                }
            }

            // Older than what was seen: either out of order (ignore it) or the key started over after it expired and
            // left nothing behind. Only the grain knows which.
            if (older)
            {
                _ = owner.RenewAsync(this);
            }
        }

        /// <summary>Takes the grain's current state: the newer of it and what the feed has, or it regardless when resyncing.</summary>
        public void Apply(HotDataNotification? current, bool resync)
        {
            lock (_sync)
            {
                var latest = _latest?.Version ?? 0;
                if (current is null)
                {
                    if (resync && latest != 0)
                    {
                        Publish(new HotDataNotification(Key, 0, null, HotDataChangeSource.Unknown, DateTimeOffset.UnixEpoch, null), resync: true);
                    }

                    return;
                }

                if (resync ? current.Version != latest : current.Version > latest)
                {
                    Publish(current, resync);
                }
            }
        }

        public HotDataNotification? Add(Watcher watcher)
        {
            lock (_sync)
            {
                _watchers.Add(watcher);
                return _latest;
            }
        }

        public void Remove(Watcher watcher)
        {
            lock (_sync)
            {
                _watchers.Remove(watcher);
            }
        }

        public void Close()
        {
            lock (_sync)
            {
                _closed = true;
                foreach (var watcher in _watchers)
                {
                    watcher.Complete();
                }

                _watchers.Clear();
            }
        }

        private void Publish(HotDataNotification notification, bool resync)
        {
            _latest = notification;
            foreach (var watcher in _watchers)
            {
                watcher.Post(notification, resync);
            }
        }
    }

    /// <summary>One watcher's bounded buffer: when it is full the oldest change is dropped, so posting never waits.</summary>
    private sealed class Watcher(int capacity)
    {
        private readonly Channel<(HotDataNotification Notification, bool Resync)> _buffer =
            Channel.CreateBounded<(HotDataNotification, bool)>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            });

        public ChannelReader<(HotDataNotification Notification, bool Resync)> Reader => _buffer.Reader;

        public void Post(HotDataNotification notification, bool resync) => _buffer.Writer.TryWrite((notification, resync));

        public void Complete() => _buffer.Writer.TryComplete();
    }
}
