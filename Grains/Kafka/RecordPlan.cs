namespace OrleansHotData.Grains.Kafka;

/// <summary>What to do with one Kafka record, decided by <see cref="KafkaRecordPlanner"/>.</summary>
/// <param name="Outcome">What becomes of the record.</param>
/// <param name="Source">The record's source, <c>topic/partition</c>, under which its position is recorded.</param>
/// <param name="Offset">The record's offset in that partition.</param>
/// <param name="Entry">The key's entry after the change, when <see cref="RecordOutcome.Applied"/>.</param>
/// <param name="UpstreamVersion">The record's upstream version, when it carries a readable one.</param>
/// <param name="Reason">
/// Why it is a duplicate, stale or dead-lettered; for a dead letter, a reason code, a colon and the detail
/// (<c>invalid-change: ...</c>).
/// </param>
public readonly record struct RecordPlan(
    RecordOutcome Outcome,
    string Source,
    long Offset,
    HotDataEntry? Entry = null,
    long? UpstreamVersion = null,
    string? Reason = null);
