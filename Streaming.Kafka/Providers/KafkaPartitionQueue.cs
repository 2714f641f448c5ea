using Orleans.Configuration;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>A topic partition and the options of its topic.</summary>
internal sealed record KafkaPartitionQueue(KafkaTopicOptions Topic, int Partition);
