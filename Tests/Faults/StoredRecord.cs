namespace OrleansHotData.Tests.Faults;

/// <summary>A workload record as the broker holds it: one of possibly several copies of it in the topic's log.</summary>
/// <param name="Key">The record key.</param>
/// <param name="Sequence">Its <see cref="WorkloadRecord.Sequence"/>, read from the <see cref="WorkloadRecord.SequenceHeader"/> header.</param>
/// <param name="Position">Where this copy is stored.</param>
public sealed record StoredRecord(string? Key, long Sequence, KafkaPosition Position);
