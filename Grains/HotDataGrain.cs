using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Streaming.Kafka;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansHotData.Grains.Kafka;

namespace OrleansHotData.Grains;

/// <summary>
/// The actor for one entity key: holds the value in memory, applies every change — an API call or a Kafka record on
/// the key's stream — one at a time, and persists it to grain storage before acknowledging it.
/// </summary>
[ImplicitStreamSubscription(HotDataConstants.StreamNamespace)]
// Activated on the silo of its first caller: for a key fed from Kafka the silo reading its partition, for a key first
// written through the SDK the gateway the client sends that key's calls to, so later calls need no hop between silos.
[PreferLocalPlacement]
public sealed partial class HotDataGrain(
    [PersistentState("state", HotDataConstants.StorageName)] IPersistentState<HotDataState> state,
    IOptions<HotDataOptions> options,
    TimeProvider time,
    HotDataMetrics metrics,
    ILogger<HotDataGrain> logger) : Grain, IHotDataGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<KafkaRecord>
{
    private readonly int _maxKeyBytes = options.Value.MaxKeyBytes;
    private readonly int _maxValueBytes = options.Value.MaxValueBytes;
    private readonly Dictionary<IHotDataChangeObserver, DateTimeOffset> _watchers = [];
    private IGrainTimer? _expiryTimer;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A value that expired while no activation watched it is removed now.
        await RemoveIfExpiredAsync(cancellationToken);
        ScheduleExpiry();
    }

    public Task<HotDataValue?> GetAsync() => Task.FromResult(ToValue(state.State, time.GetUtcNow()));

    public async Task<WriteResult> ApplyAsync(HotDataChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var now = time.GetUtcNow();
        var outcome = ChangeApplier.Apply(state.State.ToEntry(), change, now, _maxValueBytes);
        if (!outcome.Applied)
        {
            LogChangeRejected(Key, change.Operation, outcome.Status, outcome.Error);
            var unchanged = ToValue(state.State, now);
            return new WriteResult(outcome.Status, unchanged?.Version ?? 0, unchanged, outcome.Error);
        }

        await PersistAsync(state.State.With(outcome.Entry) with { LastSource = HotDataChangeSource.Api });
        metrics.Applied(HotDataChangeSource.Api);
        ScheduleExpiry();
        NotifyWatchers(state.State);
        return new WriteResult(WriteStatus.Applied, outcome.Entry.Version, ToValue(state.State, now), null);
    }

    // Called for the implicit subscription when the key's stream delivers to this activation.
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        return handleFactory.Create<KafkaRecord>().ResumeAsync((IAsyncBatchObserver<KafkaRecord>)this);
    }

    /// <summary>
    /// Applies the key's Kafka records delivered together (several when they queued up behind each other), in
    /// partition order, and writes the result to storage once. Returns only when their effect is durable (or they are
    /// dead-lettered), so the provider commits their offsets only after that; on a failed write nothing of the batch
    /// counts as applied and the records are delivered again. A record at or before the last applied position of its
    /// partition is a redelivery and changes nothing. Watchers are told of every applied change, in order, once the
    /// batch is durable.
    /// </summary>
    public async Task OnNextAsync(IList<SequentialItem<KafkaRecord>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var pending = state.State;
        var applied = 0;
        List<HotDataState>? changes = null;
        // The batch's positions, copied from the stored ones once per write rather than once per record.
        Dictionary<string, long>? offsets = null;

        // A dead letter goes out only after what was applied before it is durable, as if the records came one by one.
        async Task FlushAsync()
        {
            if (applied == 0)
            {
                return;
            }

            await PersistAsync(pending);
            metrics.Applied(HotDataChangeSource.Kafka, applied);
            applied = 0;
            offsets = null;
            ScheduleExpiry();
            if (changes is not null)
            {
                changes.ForEach(NotifyWatchers);
                changes.Clear();
            }
        }

        foreach (var item in items)
        {
            var record = item.Item;
            var source = SourceName(record.Topic, record.Partition);
            if (pending.SourceOffsets?.TryGetValue(source, out var appliedOffset) == true && record.Offset <= appliedOffset)
            {
                metrics.Duplicate();
                LogDuplicate(Key, source, record.Offset, appliedOffset);
                continue;
            }

            var decision = KafkaChangeReader.Read(record, _maxKeyBytes, _maxValueBytes);
            if (decision.DeadLetterReason is { } reason)
            {
                await FlushAsync();
                await DeadLetterAsync(record, reason);
                continue;
            }

            var outcome = ChangeApplier.Apply(pending.ToEntry(), decision.Change!, time.GetUtcNow(), _maxValueBytes);
            switch (outcome.Status)
            {
                case WriteStatus.Applied:
                    offsets ??= new Dictionary<string, long>(pending.SourceOffsets ?? new Dictionary<string, long>(), StringComparer.Ordinal);
                    offsets[source] = record.Offset;
                    pending = pending.With(outcome.Entry) with { SourceOffsets = offsets, LastSource = HotDataChangeSource.Kafka };
                    applied++;
                    if (_watchers.Count > 0)
                    {
                        (changes ??= []).Add(pending);
                    }

                    break;
                case WriteStatus.Stale:
                    metrics.Stale();
                    LogStale(Key, source, record.Offset, outcome.Error);
                    break;
                case WriteStatus.NotFound:
                    // A delete of a key that has no value: already in the state the record asks for.
                    break;
                case WriteStatus.ValueTooLarge:
                    await FlushAsync();
                    await DeadLetterAsync(record, $"value-too-large: {outcome.Error}");
                    break;
                default:
                    await FlushAsync();
                    await DeadLetterAsync(record, $"invalid-change: {outcome.Error}");
                    break;
            }
        }

        await FlushAsync();
    }

    public Task<HotDataNotification?> WatchAsync(IHotDataChangeObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _watchers[observer] = time.GetUtcNow() + HotDataWatch.SubscriptionLease;
        return Task.FromResult(Notification(state.State));
    }

    public Task UnwatchAsync(IHotDataChangeObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _watchers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex, Key);
        return Task.CompletedTask;
    }

    private async Task DeadLetterAsync(KafkaRecord record, string reason)
    {
        var publisher = ServiceProvider.GetRequiredKeyedService<IKafkaDeadLetterPublisher>(HotDataConstants.StreamProviderName);
        await publisher.PublishAsync(record, reason);
        var code = reason.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? reason[..colon] : reason;
        metrics.DeadLettered(code);
        LogDeadLettered(Key, record.Topic, record.Partition, record.Offset, reason);
    }

    /// <summary>
    /// Tells every subscribed watcher process about an applied change, <paramref name="changed"/> being the state it
    /// produced. The calls are one-way: they return at once, so a slow, gone or unreachable watcher costs the grain
    /// nothing.
    /// </summary>
    private void NotifyWatchers(HotDataState changed)
    {
        if (_watchers.Count == 0 || Notification(changed) is not { } notification)
        {
            return;
        }

        var now = time.GetUtcNow();
        List<IHotDataChangeObserver>? expired = null;
        foreach (var (observer, leaseEnd) in _watchers)
        {
            if (leaseEnd <= now)
            {
                (expired ??= []).Add(observer);
                continue;
            }

            try
            {
                observer.OnChanged(notification);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Only a failure to even send it ends here: the watcher renews if it is still there.
                LogNotifyFailed(ex, Key);
                (expired ??= []).Add(observer);
            }
        }

        expired?.ForEach(observer => _watchers.Remove(observer));
    }

    private HotDataNotification? Notification(HotDataState current)
    {
        if (current.Version == 0)
        {
            return null;
        }

        var value = ToValue(current, time.GetUtcNow());
        return new HotDataNotification(Key, current.Version, value?.Json, current.LastSource, current.UpdatedAt, value?.ExpiresAt);
    }

    private static string SourceName(string topic, int partition) => $"{topic}/{partition}";

    private HotDataValue? ToValue(HotDataState current, DateTimeOffset now) =>
        current.Json is not null && !(current.ExpiresAt <= now)
            ? new HotDataValue(Key, current.Json, current.Version, current.UpdatedAt, current.ExpiresAt)
            : null;

    /// <summary>
    /// Writes <paramref name="next"/> to storage; with <paramref name="removeWhenEmpty"/>, removes the key's record
    /// instead when nothing is left worth keeping. On failure memory goes back to what storage last confirmed and the
    /// activation is dropped, so the next call reloads whatever storage really holds.
    /// </summary>
    private async Task PersistAsync(HotDataState next, bool removeWhenEmpty = false)
    {
        var previous = state.State;
        state.State = next;
        var started = time.GetTimestamp();
        try
        {
            if (removeWhenEmpty && next.IsEmpty)
            {
                await state.ClearStateAsync();
                state.State = new HotDataState();
            }
            else
            {
                await state.WriteStateAsync();
            }

            metrics.StorageWritten(time.GetElapsedTime(started), succeeded: true);
        }
        catch (Exception ex)
        {
            metrics.StorageWritten(time.GetElapsedTime(started), succeeded: false);
            state.State = previous;
            LogPersistFailed(ex, Key);
            DeactivateOnIdle();
            throw;
        }
    }

    private void ScheduleExpiry()
    {
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        if (state.State is { Json: not null, ExpiresAt: { } expiresAt })
        {
            var due = expiresAt - time.GetUtcNow();
            _expiryTimer = this.RegisterGrainTimer(
                OnExpiryTimerAsync,
                new GrainTimerCreationOptions(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan));
        }
    }

    private async Task OnExpiryTimerAsync(CancellationToken cancellationToken)
    {
        await RemoveIfExpiredAsync(cancellationToken);
        // Timers may fire a little early: if the value is not yet expired, wait for the rest.
        ScheduleExpiry();
    }

    private async Task RemoveIfExpiredAsync(CancellationToken cancellationToken)
    {
        if (state.State.ToEntry().IsExpired(time.GetUtcNow()))
        {
            LogExpired(Key, state.State.Version);
            await PersistAsync(state.State with { Json = null, ExpiresAt = null }, removeWhenEmpty: true);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Change {Operation} to key {Key} not applied: {Status}: {Error}")]
    private partial void LogChangeRejected(string key, ChangeOperation operation, WriteStatus status, string? error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Persisting key {Key} failed; the change is not applied and the activation will reload from storage")]
    private partial void LogPersistFailed(Exception exception, string key);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Key {Key} expired at version {Version}; removing its value")]
    private partial void LogExpired(string key, long version);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Key {Key}: record {Source}@{Offset} already applied (up to {Applied}); skipped")]
    private partial void LogDuplicate(string key, string source, long offset, long applied);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Key {Key}: record {Source}@{Offset} is stale: {Reason}")]
    private partial void LogStale(string key, string source, long offset, string? reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Key {Key}: record {Topic}/{Partition}@{Offset} dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string key, string topic, int partition, long offset, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Key {Key}: a watcher could not be notified; its subscription is dropped")]
    private partial void LogNotifyFailed(Exception exception, string key);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Key {Key}: stream delivery reported an error")]
    private partial void LogStreamError(Exception exception, string key);
}
