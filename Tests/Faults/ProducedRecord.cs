namespace OrleansHotData.Tests.Faults;

/// <summary>A workload record the broker acknowledged.</summary>
/// <param name="Key">The record key.</param>
/// <param name="Position">Its partition and offset.</param>
/// <param name="ChangesState">
/// Whether applying it changes the key (every record does except a tombstone for a key without a value); a grain
/// that applied it has stored its offset as the key's source position.
/// </param>
public sealed record ProducedRecord(string Key, KafkaPosition Position, bool ChangesState);
