using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansHotData.Grains;

/// <summary>
/// The actor for one entity key: holds the value in memory, applies every change one at a time and persists it to
/// grain storage before acknowledging it.
/// </summary>
public sealed partial class HotDataGrain(
    [PersistentState("state", HotDataConstants.StorageName)] IPersistentState<HotDataState> state,
    IOptions<HotDataOptions> options,
    TimeProvider time,
    ILogger<HotDataGrain> logger) : Grain, IHotDataGrain
{
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
        ScheduleExpiry();
        var value = ToValue(state.State, now);
        return new WriteResult(WriteStatus.Applied, outcome.Entry.Version, value, null);
    }

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
}
