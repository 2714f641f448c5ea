using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
public sealed partial class HotDataGrain(
    [PersistentState("state", HotDataConstants.StorageName)] IPersistentState<HotDataState> state,
    IOptions<HotDataOptions> options,
    TimeProvider time,
    HotDataMetrics metrics,
    ILogger<HotDataGrain> logger) : Grain, IHotDataGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<KafkaRecord>
{
    private const string ApiSource = "api";
    private const string KafkaSource = "kafka";

    private readonly int _maxKeyBytes = options.Value.MaxKeyBytes;
    private readonly int _maxValueBytes = options.Value.MaxValueBytes;
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

        await PersistAsync(state.State.With(outcome.Entry));
        metrics.Applied(ApiSource);
        ScheduleExpiry();
        return new WriteResult(WriteStatus.Applied, outcome.Entry.Version, ToValue(state.State, now), null);
    }

    // Called for the implicit subscription when the key's stream delivers to this activation.
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        return handleFactory.Create<KafkaRecord>().ResumeAsync((IAsyncBatchObserver<KafkaRecord>)this);
    }

    /// <summary>
    /// Applies the key's Kafka records delivered together (several when they queued up behind each other), in order,
    /// and writes the result to storage once. Returns only when their effect is durable (or they are dead-lettered), so
    /// the provider commits their offsets only after that; on a failed write nothing of the batch counts as applied
    /// and it is delivered again. A record at or before the last applied position of its partition is a redelivery
    /// and changes nothing.
    /// </summary>
    public async Task OnNextAsync(IList<SequentialItem<KafkaRecord>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var pending = state.State;
        var applied = 0;

        // Dead letters go out only after what was applied before them is durable, as when records come one by one.
        async Task FlushAsync()
        {
            if (applied > 0)
            {
                await PersistAsync(pending);
                for (var i = 0; i < applied; i++)
                {
                    metrics.Applied(KafkaSource);
                }

                applied = 0;
                ScheduleExpiry();
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
                    pending = pending.With(outcome.Entry) with { SourceOffsets = WithOffset(pending, source, record.Offset) };
                    applied++;
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

    private static string SourceName(string topic, int partition) => $"{topic}/{partition}";

    private static Dictionary<string, long> WithOffset(HotDataState current, string source, long offset) =>
        new(current.SourceOffsets ?? new Dictionary<string, long>(), StringComparer.Ordinal) { [source] = offset };

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
        }
        catch (Exception ex)
        {
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

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Key {Key}: stream delivery reported an error")]
    private partial void LogStreamError(Exception exception, string key);
}
