namespace Orleans.Streaming.Kafka;

/// <summary>Something that reports a partition's status to <see cref="KafkaStreamDiagnostics"/>.</summary>
internal interface IKafkaPartitionStatusSource
{
    KafkaPartitionStatus GetStatus();
}
