namespace OrleansHotData.Tests.Faults;

/// <summary>Where the broker stored a produced record.</summary>
public sealed record KafkaPosition(int Partition, long Offset);
