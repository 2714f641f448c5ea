namespace Orleans.Configuration;

/// <summary>
/// One Kafka topic read and written by a Kafka stream provider, and the stream namespace it maps to.
/// </summary>
public sealed class KafkaTopicOptions
{
    /// <summary>The Kafka topic name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>
    /// The stream namespace of the topic's records: a record with key <c>k</c> is delivered on
    /// <c>StreamId.Create(StreamNamespace, k)</c>, and events produced to a stream of this namespace are written to
    /// this topic. Each topic of a provider needs its own namespace.
    /// </summary>
    public string StreamNamespace { get; set; } = string.Empty;

    /// <summary>
    /// The number of partitions the topic has. Each partition becomes one Orleans queue, read by one silo at a
    /// time. It must match the topic: partitions beyond this number are not read.
    /// </summary>
    public int Partitions { get; set; } = KafkaStreamOptions.DefaultPartitions;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (namespace {StreamNamespace}, {Partitions} partitions)";
}
