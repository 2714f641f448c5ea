namespace Orleans.Streaming.Kafka;

/// <summary>What one partition receiver in this silo is doing.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="NextOffset">One past the highest offset read so far; <see langword="null"/> before the first record.</param>
/// <param name="CommittedOffset">The last offset this receiver committed; <see langword="null"/> before its first commit.</param>
/// <param name="PendingRecords">Records read but not yet reported delivered (including those being dead-lettered).</param>
public sealed record KafkaPartitionStatus(string Topic, int Partition, long? NextOffset, long? CommittedOffset, int PendingRecords);
