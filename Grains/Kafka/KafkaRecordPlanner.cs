using System.Collections.Concurrent;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Grains.Kafka;

/// <summary>
/// Decides, record after record, what a key's Kafka records do to its state, starting from the state storage last
/// confirmed: a redelivery (at or before the recorded position of its partition) changes nothing; a readable change is
/// applied, skipped as stale, or found to have nothing to delete; anything else is dead-lettered. Every record it does
/// not skip as a redelivery has its position recorded, and its upstream version counted, whatever became of it, so a
/// replay after a crash changes nothing and a late record older than one already seen stays stale. Pure: no I/O, time
/// passed in; the grain persists <see cref="Pending"/> and calls <see cref="Saved"/>.
/// </summary>
public sealed class KafkaRecordPlanner
{
    private static readonly ConcurrentDictionary<(string Topic, int Partition), string> SourceNames = new();

    private readonly HotDataOptions _limits;
    private HotDataState _pending;
    // The positions of the unsaved state: copied from the saved ones once per save rather than once per record.
    private Dictionary<string, long>? _offsets;

    /// <param name="saved">The state storage last confirmed.</param>
    /// <param name="limits">The key, value and time-to-live limits.</param>
    public KafkaRecordPlanner(HotDataState saved, HotDataOptions limits)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(limits);
        _pending = saved;
        _limits = limits;
    }

    /// <summary>The state after every record advanced past so far.</summary>
    public HotDataState Pending => _pending;

    /// <summary>Whether <see cref="Pending"/> differs from the state last saved.</summary>
    public bool HasUnsavedChanges { get; private set; }

    /// <summary>How many changes were applied since the state was last saved.</summary>
    public int AppliedSinceSave { get; private set; }

    /// <summary>
    /// The name a partition's position is recorded under: one string per partition, shared by every key's state (a
    /// silo reads a bounded number of partitions), rather than a new one per record kept in each key's state.
    /// </summary>
    public static string SourceName(string topic, int partition)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return SourceNames.GetOrAdd((topic, partition), static source => $"{source.Topic}/{source.Partition}");
    }

    /// <summary>A dead letter for <paramref name="record"/> whatever it says, for a record that cannot be processed at all.</summary>
    public static RecordPlan DeadLetter(KafkaRecord record, string reason)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new RecordPlan(RecordOutcome.DeadLetter, SourceName(record.Topic, record.Partition), record.Offset, Reason: reason);
    }

    /// <summary>Decides what <paramref name="record"/> does to <see cref="Pending"/> at <paramref name="now"/>, changing nothing yet.</summary>
    public RecordPlan Decide(KafkaRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var source = SourceName(record.Topic, record.Partition);
        if (_pending.SourceOffsets?.TryGetValue(source, out var handled) == true && record.Offset <= handled)
        {
            return new RecordPlan(RecordOutcome.Duplicate, source, record.Offset, Reason: $"handled up to offset {handled}");
        }

        var decision = KafkaChangeReader.Read(record, _limits.MaxKeyBytes, _limits.MaxValueBytes, _limits.MaxTtl);
        if (decision.DeadLetterReason is { } reason)
        {
            return new RecordPlan(RecordOutcome.DeadLetter, source, record.Offset, UpstreamVersion: decision.UpstreamVersion, Reason: reason);
        }

        var change = decision.Change!;
        var outcome = ChangeApplier.Apply(_pending.ToEntry(), change, now, _limits.MaxValueBytes, _limits.MaxTtl);
        var (result, why) = outcome.Status switch
        {
            WriteStatus.Applied => (RecordOutcome.Applied, null),
            WriteStatus.Stale => (RecordOutcome.Stale, outcome.Error),
            WriteStatus.NotFound => (RecordOutcome.AlreadyAbsent, outcome.Error),
            WriteStatus.ValueTooLarge => (RecordOutcome.DeadLetter, $"value-too-large: {outcome.Error}"),
            _ => (RecordOutcome.DeadLetter, $"invalid-change: {outcome.Error}"),
        };
        return new RecordPlan(result, source, record.Offset, result == RecordOutcome.Applied ? outcome.Entry : null, change.UpstreamVersion, why);
    }

    /// <summary>Moves <see cref="Pending"/> past a record as <paramref name="plan"/> says (a dead letter only once it is written).</summary>
    public void Advance(RecordPlan plan)
    {
        if (plan.Outcome == RecordOutcome.Duplicate)
        {
            return;
        }

        var offsets = _offsets ??= new Dictionary<string, long>(_pending.SourceOffsets ?? new Dictionary<string, long>(), StringComparer.Ordinal);
        offsets[plan.Source] = plan.Offset;
        if (plan.Outcome == RecordOutcome.Applied)
        {
            _pending = _pending.With(plan.Entry!) with { SourceOffsets = offsets, LastSource = HotDataChangeSource.Kafka };
            AppliedSinceSave++;
        }
        else
        {
            _pending = _pending with
            {
                SourceOffsets = offsets,
                UpstreamVersion = Newest(_pending.UpstreamVersion, plan.UpstreamVersion),
            };
        }

        HasUnsavedChanges = true;
    }

    /// <summary>Tells the planner that storage now holds <see cref="Pending"/>.</summary>
    public void Saved()
    {
        _offsets = null;
        HasUnsavedChanges = false;
        AppliedSinceSave = 0;
    }

    private static long? Newest(long? a, long? b) => a is { } x && b is { } y ? Math.Max(x, y) : a ?? b;
}
