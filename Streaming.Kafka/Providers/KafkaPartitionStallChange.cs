namespace Orleans.Streaming.Kafka.Providers;

/// <summary>What one observation of a partition by <see cref="KafkaPartitionStallDetector"/> changed.</summary>
internal enum KafkaPartitionStallChange
{
    /// <summary>Nothing: it was and is progressing, or was and is stalled.</summary>
    None,

    /// <summary>It has just been found stalled.</summary>
    Stalled,

    /// <summary>It was stalled and has moved on.</summary>
    Recovered,
}
