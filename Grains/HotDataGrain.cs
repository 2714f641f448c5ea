using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Streaming.Kafka;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Grains.Kafka;
using OrleansHotData.Grains.NearCache;

namespace OrleansHotData.Grains;

/// <summary>
/// The actor for one entity key: holds the value in memory, applies every change — an API call or a Kafka record on
/// the key's stream — one at a time, and persists it to grain storage before acknowledging it.
/// </summary>
[ImplicitStreamSubscription(HotDataConstants.StreamNamespace)]
// Activated on the silo of its first caller: for a key fed from Kafka the silo reading its partition, for a key first
// written through the SDK the gateway the client sends that key's calls to, so later calls need no hop between silos.
[PreferLocalPlacement]
// Named explicitly: the name is part of every stored state's key, which a rebuild from the changelog writes.
[GrainType(HotDataConstants.GrainType)]
public sealed partial class HotDataGrain(
    [PersistentState(HotDataConstants.StateName, HotDataConstants.StorageName)] IPersistentState<HotDataState> state,
    IOptions<HotDataOptions> options,
    TimeProvider time,
    HotDataMetrics metrics,
    CachePushHub cacheHub,
    ChangelogPublisher changelog,
    ILogger<HotDataGrain> logger) : Grain, IHotDataGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<KafkaRecord>
{
    // A grain timer can be due at most ~49.7 days ahead: a longer time to live is waited out in steps.
    private static readonly TimeSpan MaxExpiryTimerStep = TimeSpan.FromDays(1);

    // How long a deactivation waits for changelog records still on their way before it trims the outbox.
    private static readonly TimeSpan OutboxTrimWait = TimeSpan.FromSeconds(2);

    private readonly HotDataOptions _options = options.Value;
    // Created by the first watcher and dropped with the last: most keys are never watched, and an empty dictionary
    // per activation is 80 bytes of every active key.
    private Dictionary<IHotDataChangeObserver, DateTimeOffset>? _watchers;
    private IGrainTimer? _expiryTimer;
    // The value read answers with, made once per state rather than once per read.
    private (HotDataState State, HotDataValue? Value) _read;
    // Created when the changelog is on; knows which of the key's changes Kafka acknowledged.
    private ChangelogOutbox? _outbox;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (changelog.Enabled)
        {
            _outbox = new ChangelogOutbox(Key);
            // What an earlier activation (perhaps on a silo that crashed) stored and Kafka may not have: sent again.
            var stored = state.State.Outbox;
            changelog.OutboxChanged(stored?.Count ?? 0);
            changelog.Publish(Key, _outbox.NotSent(stored), _outbox);
        }

        // A value that expired while no activation watched it is removed now.
        await RemoveIfExpiredAsync(cancellationToken);
        ScheduleExpiry();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Nothing keeps the near-caches of this key current any more: they drop it (and subscribe again when read).
        cacheHub.EndKey(Key);
        if (_outbox is { } outbox)
        {
            await TrimOutboxAsync(outbox, cancellationToken);
            outbox.Close();
            changelog.OutboxChanged(-(state.State.Outbox?.Count ?? 0));
        }
    }

    /// <summary>
    /// Before the activation goes: waits briefly for changes still on their way to Kafka, then
    /// writes the outbox without what Kafka acknowledged, so an idle key does not keep, and its next activation does
    /// not send again, changes the changelog already has. Best effort: whatever stays is only sent again.
    /// </summary>
    private async Task TrimOutboxAsync(ChangelogOutbox outbox, CancellationToken cancellationToken)
    {
        var stored = state.State.Outbox;
        if (stored is not { Count: > 0 })
        {
            return;
        }

        try
        {
            // Bounded: in a broker outage nothing is answered, and the silo's shutdown must not wait for it.
            var deadline = time.GetUtcNow() + OutboxTrimWait;
            while (outbox.InFlight > 0 && !cancellationToken.IsCancellationRequested && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
            }

            if (outbox.Unacknowledged(stored).Count < stored.Count)
            {
                await PersistAsync(state.State, []);
            }
        }
        catch (Exception ex) when (InfrastructureFailure.Is(ex))
        {
            LogOutboxNotTrimmed(ex, Key);
        }
    }

    public Task<HotDataValue?> GetAsync()
    {
        var current = state.State;
        var now = time.GetUtcNow();
        if (!ReferenceEquals(_read.State, current) || _read.Value?.ExpiresAt <= now)
        {
            _read = (current, ToValue(current, now));
        }

        return Task.FromResult(_read.Value);
    }

    public Task<HotDataCacheSubscription> SubscribeCacheAsync(IHotDataCacheObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var current = Notification(state.State) ?? new HotDataNotification(Key, 0, null, HotDataChangeSource.Unknown, DateTimeOffset.UnixEpoch, null);
        return Task.FromResult(cacheHub.Subscribe(current, observer));
    }

    public async Task<WriteResult> ApplyAsync(HotDataChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var now = time.GetUtcNow();
        var outcome = ChangeApplier.Apply(state.State.ToEntry(), change, now, _options.MaxValueBytes, _options.MaxTtl);
        if (!outcome.Applied)
        {
            LogChangeRejected(Key, change.Operation, outcome.Status, outcome.Error);
            var unchanged = ToValue(state.State, now);
            return new WriteResult(outcome.Status, unchanged?.Version ?? 0, unchanged, outcome.Error);
        }

        var applied = state.State.With(outcome.Entry) with { LastSource = HotDataChangeSource.Api };
        await PersistAsync(applied, [applied]);
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
    /// dead-lettered), so the provider commits their offsets only after that; on a failure of Redis or the cluster
    /// nothing of the batch counts as applied and the records are delivered again, until it heals. A record whose
    /// processing fails for any other reason fails the same way every time: it is found by taking the records one at
    /// a time and dead-lettered after <see cref="HotDataOptions.MaxRecordAttempts"/> attempts, so it cannot hold its
    /// partition. Watchers are told of every applied change, in order, once it is durable.
    /// </summary>
    public async Task OnNextAsync(IList<SequentialItem<KafkaRecord>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        try
        {
            await ApplyRecordsAsync(items.Select(item => item.Item));
        }
        catch (Exception ex) when (!InfrastructureFailure.Is(ex))
        {
            LogRecordsFailed(ex, Key, items.Count);
            // What was saved before the failure is skipped as a redelivery.
            foreach (var item in items)
            {
                await ApplyRecordAloneAsync(item.Item);
            }
        }
    }

    private async Task ApplyRecordsAsync(IEnumerable<KafkaRecord> records)
    {
        var planner = new KafkaRecordPlanner(state.State, _options);
        List<HotDataState>? changes = null;
        foreach (var record in records)
        {
            var plan = planner.Decide(record, time.GetUtcNow());
            switch (plan.Outcome)
            {
                case RecordOutcome.Duplicate:
                    metrics.Duplicate();
                    LogDuplicate(Key, plan.Source, record.Offset, plan.Reason);
                    continue;
                case RecordOutcome.Stale:
                    metrics.Stale();
                    LogStale(Key, plan.Source, record.Offset, plan.Reason);
                    break;
                case RecordOutcome.DeadLetter:
                    // What was applied before it is durable before it goes out, as if the records came one by one.
                    await SaveAsync(planner, changes);
                    await DeadLetterAsync(record, plan.Reason!);
                    break;
            }

            planner.Advance(plan);
            if (plan.Outcome == RecordOutcome.Applied && (HasWatchers || _outbox is not null))
            {
                (changes ??= []).Add(planner.Pending);
            }
        }

        await SaveAsync(planner, changes);
    }

    private async Task ApplyRecordAloneAsync(KafkaRecord record)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyRecordsAsync([record]);
                return;
            }
            catch (Exception ex) when (!InfrastructureFailure.Is(ex) && attempt < _options.MaxRecordAttempts)
            {
                LogRecordAttemptFailed(ex, Key, record.Topic, record.Partition, record.Offset, attempt);
            }
            catch (Exception ex) when (!InfrastructureFailure.Is(ex))
            {
                var plan = KafkaRecordPlanner.DeadLetter(record, ProcessingFailedReason(ex));
                LogRecordAttemptFailed(ex, Key, record.Topic, record.Partition, record.Offset, attempt);
                await DeadLetterAsync(record, plan.Reason!);
                await RecordDeadLetterAsync(plan);
                return;
            }
        }
    }

    // The root cause's type and the first line of its message (Orleans wraps a storage provider's exception in one whose
    // message holds a stack trace), bounded: a header, not a log.
    private static string ProcessingFailedReason(Exception exception)
    {
        const int MaxMessageLength = 500;
        var cause = exception.GetBaseException();
        var message = cause.Message.AsSpan();
        var lineEnd = message.IndexOfAny('\r', '\n');
        message = lineEnd >= 0 ? message[..lineEnd] : message;
        message = message.Length > MaxMessageLength ? message[..MaxMessageLength] : message;
        return $"processing-failed: {cause.GetType().Name}: {message}";
    }

    // Records a dead letter's position so that a replay does not dead-letter it again. Best effort: the write may be
    // what fails, and then a replay dead-letters the record once more.
    private async Task RecordDeadLetterAsync(RecordPlan plan)
    {
        var planner = new KafkaRecordPlanner(state.State, _options);
        planner.Advance(plan);
        try
        {
            await SaveAsync(planner, null);
        }
        catch (Exception ex) when (!InfrastructureFailure.Is(ex))
        {
            LogPositionNotRecorded(ex, Key, plan.Source, plan.Offset);
        }
    }

    private async Task SaveAsync(KafkaRecordPlanner planner, List<HotDataState>? changes)
    {
        if (!planner.HasUnsavedChanges)
        {
            return;
        }

        await PersistAsync(planner.Pending, changes ?? []);
        var applied = planner.AppliedSinceSave;
        planner.Saved();
        if (applied > 0)
        {
            metrics.Applied(HotDataChangeSource.Kafka, applied);
            ScheduleExpiry();
        }

        if (changes is not null)
        {
            if (HasWatchers)
            {
                changes.ForEach(NotifyWatchers);
            }

            changes.Clear();
        }
    }

    public Task<HotDataNotification?> WatchAsync(IHotDataChangeObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        (_watchers ??= [])[observer] = time.GetUtcNow() + HotDataWatch.SubscriptionLease;
        return Task.FromResult(Notification(state.State));
    }

    public Task UnwatchAsync(IHotDataChangeObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        RemoveWatcher(observer);
        return Task.CompletedTask;
    }

    private void RemoveWatcher(IHotDataChangeObserver observer)
    {
        if (_watchers is { } watchers && watchers.Remove(observer) && watchers.Count == 0)
        {
            _watchers = null;
        }
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
        try
        {
            await publisher.PublishAsync(record, reason);
        }
        catch (Exception ex) when (InfrastructureFailure.Is(ex))
        {
            // The record is delivered again until its dead letter is written: its partition waits (and reports a
            // stall) rather than lose it.
            LogDeadLetterFailed(ex, Key, record.Topic, record.Partition, record.Offset);
            throw;
        }

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
        if (!HasWatchers || Notification(changed) is not { } notification)
        {
            return;
        }

        cacheHub.Publish(notification);
        if (_watchers is not { Count: > 0 } watchers)
        {
            return;
        }

        var now = time.GetUtcNow();
        List<IHotDataChangeObserver>? expired = null;
        foreach (var (observer, leaseEnd) in watchers)
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

        expired?.ForEach(RemoveWatcher);
    }

    private bool HasWatchers => _watchers is { Count: > 0 } || cacheHub.IsSubscribed(Key);

    private HotDataNotification? Notification(HotDataState current)
    {
        if (current.Version == 0)
        {
            return null;
        }

        var value = ToValue(current, time.GetUtcNow());
        return new HotDataNotification(Key, current.Version, value?.Json, current.LastSource, current.UpdatedAt, value?.ExpiresAt);
    }

    private HotDataValue? ToValue(HotDataState current, DateTimeOffset now) =>
        current.Json is not null && !(current.ExpiresAt <= now)
            ? new HotDataValue(Key, current.Json, current.Version, current.UpdatedAt, current.ExpiresAt)
            : null;

    /// <summary>
    /// Writes <paramref name="next"/> to storage, with the changelog outbox: what Kafka has not acknowledged of it so
    /// far, and <paramref name="changes"/> (the states each applied change produced, in order); once written, those
    /// changes are published. On failure memory goes back to what storage last confirmed; when Redis or the cluster
    /// failed, the activation is dropped too, so the next call reloads whatever storage really holds (another
    /// activation may have written).
    /// </summary>
    /// <exception cref="ChangelogOutboxFullException">The outbox has no room for <paramref name="changes"/>; nothing was written.</exception>
    private async Task PersistAsync(HotDataState next, List<HotDataState> changes)
    {
        var previous = state.State;
        IReadOnlyList<ChangelogEntry>? added = null;
        if (_outbox is { } outbox)
        {
            var kept = outbox.Unacknowledged(previous.Outbox);
            if (kept.Count + changes.Count > changelog.MaxOutboxEntries)
            {
                kept = await OutboxRoomAsync(outbox, previous.Outbox, changes.Count);
            }

            added = changes.Count == 0 ? [] : [.. changes.Select(ChangelogEntry.Of)];
            next = next with { Outbox = kept.Count + added.Count == 0 ? null : [.. kept, .. added] };
        }
        else if (next.Outbox is not null)
        {
            // The changelog is off: nothing will send what an earlier run left.
            next = next with { Outbox = null };
        }

        state.State = next;
        var started = time.GetTimestamp();
        try
        {
            await state.WriteStateAsync();
            metrics.StorageWritten(time.GetElapsedTime(started), succeeded: true);
        }
        catch (Exception ex)
        {
            metrics.StorageWritten(time.GetElapsedTime(started), succeeded: false);
            state.State = previous;
            LogPersistFailed(ex, Key);
            if (InfrastructureFailure.Is(ex))
            {
                DeactivateOnIdle();
            }

            throw;
        }

        if (_outbox is { } published)
        {
            var stored = next.Outbox ?? [];
            changelog.OutboxChanged(stored.Count - (previous.Outbox?.Count ?? 0));
            published.Stored(stored);
            changelog.Publish(Key, added!, published);
        }
    }

    /// <summary>
    /// Waits, up to <see cref="ChangelogPublisher.OutboxFullTimeout"/>, until Kafka has acknowledged enough of the key's
    /// changes for <paramref name="adding"/> more to fit in the outbox, and returns what then stays in it. The grain
    /// takes no other write meanwhile, so a burst to one key goes at Kafka's pace instead of failing.
    /// </summary>
    /// <exception cref="ChangelogOutboxFullException">Still no room when the time is up.</exception>
    private async Task<IReadOnlyList<ChangelogEntry>> OutboxRoomAsync(ChangelogOutbox outbox, IReadOnlyList<ChangelogEntry>? stored, int adding)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var acknowledgement = outbox.NextAcknowledgement();
            var kept = outbox.Unacknowledged(stored);
            if (kept.Count + adding <= changelog.MaxOutboxEntries)
            {
                return kept;
            }

            var left = changelog.OutboxFullTimeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || adding > changelog.MaxOutboxEntries)
            {
                throw new ChangelogOutboxFullException(
                    $"Key '{Key}': Kafka has not acknowledged its last {kept.Count} changes (Changelog:MaxOutboxEntries is {changelog.MaxOutboxEntries}) within Changelog:OutboxFullTimeout ({changelog.OutboxFullTimeout}); the change is refused until the changelog catches up.");
            }

            try
            {
                await acknowledgement.WaitAsync(left, time);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private void ScheduleExpiry()
    {
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        if (state.State is { Json: not null, ExpiresAt: { } expiresAt })
        {
            var due = expiresAt - time.GetUtcNow();
            due = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxExpiryTimerStep ? MaxExpiryTimerStep : due;
            _expiryTimer = this.RegisterGrainTimer(OnExpiryTimerAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
    }

    private async Task OnExpiryTimerAsync(CancellationToken cancellationToken)
    {
        await RemoveIfExpiredAsync(cancellationToken);
        // Timers may fire a little early, and a long time to live is waited out in steps: wait for the rest.
        ScheduleExpiry();
    }

    /// <summary>
    /// Expiry is a change like any other: the value goes, the version moves on (so no version, and no ETag, is ever
    /// used twice), and watchers are told.
    /// </summary>
    private async Task RemoveIfExpiredAsync(CancellationToken cancellationToken)
    {
        var current = state.State;
        if (current.ToEntry().IsExpired(time.GetUtcNow()))
        {
            LogExpired(Key, current.Version);
            cancellationToken.ThrowIfCancellationRequested();
            var expired = current with
            {
                Json = null,
                ExpiresAt = null,
                Version = current.Version + 1,
                UpdatedAt = current.ExpiresAt!.Value,
                LastSource = HotDataChangeSource.Expiry,
            };
            await PersistAsync(expired, [expired]);
            NotifyWatchers(expired);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Change {Operation} to key {Key} not applied: {Status}: {Error}")]
    private partial void LogChangeRejected(string key, ChangeOperation operation, WriteStatus status, string? error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Persisting key {Key} failed; the change is not applied and the activation will reload from storage")]
    private partial void LogPersistFailed(Exception exception, string key);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Key {Key} expired at version {Version}; removing its value")]
    private partial void LogExpired(string key, long version);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Key {Key}: record {Source}@{Offset} is a redelivery ({Reason}); skipped")]
    private partial void LogDuplicate(string key, string source, long offset, string? reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Key {Key}: record {Source}@{Offset} is stale: {Reason}")]
    private partial void LogStale(string key, string source, long offset, string? reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Key {Key}: record {Topic}/{Partition}@{Offset} dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string key, string topic, int partition, long offset, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Key {Key}: a watcher could not be notified; its subscription is dropped")]
    private partial void LogNotifyFailed(Exception exception, string key);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Key {Key}: processing {Count} records failed for a reason other than Redis or the cluster; taking them one at a time")]
    private partial void LogRecordsFailed(Exception exception, string key, int count);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Key {Key}: attempt {Attempt} at record {Topic}/{Partition}@{Offset} failed")]
    private partial void LogRecordAttemptFailed(Exception exception, string key, string topic, int partition, long offset, int attempt);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Key {Key}: the position {Source}@{Offset} of a dead-lettered record could not be recorded; a replay would dead-letter it again")]
    private partial void LogPositionNotRecorded(Exception exception, string key, string source, long offset);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Key {Key}: the dead letter of record {Topic}/{Partition}@{Offset} could not be written; the record will be delivered again")]
    private partial void LogDeadLetterFailed(Exception exception, string key, string topic, int partition, long offset);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Key {Key}: the changelog outbox could not be trimmed before deactivation; the next activation sends its changes again")]
    private partial void LogOutboxNotTrimmed(Exception exception, string key);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Key {Key}: stream delivery reported an error")]
    private partial void LogStreamError(Exception exception, string key);
}
