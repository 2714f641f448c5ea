using Confluent.Kafka;

namespace Orleans.Configuration;

/// <summary>
/// Settings of a Kafka stream provider: where the brokers are, which topics to read, how offsets are committed
/// and how records that cannot be delivered are set aside.
/// </summary>
public sealed class KafkaStreamOptions
{
    /// <summary>The default for <see cref="KafkaTopicOptions.Partitions"/>.</summary>
    public const int DefaultPartitions = 1;

    /// <summary>The default for <see cref="AutoOffsetReset"/>: start from the oldest record still kept.</summary>
    public const AutoOffsetReset DefaultAutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest;

    /// <summary>The default for <see cref="MaxBatchSize"/>.</summary>
    public const int DefaultMaxBatchSize = 1000;

    /// <summary>The default for <see cref="DeadLetterTopicSuffix"/>.</summary>
    public const string DefaultDeadLetterTopicSuffix = ".dlq";

    /// <summary>The default for <see cref="CommitInterval"/>, in milliseconds.</summary>
    public const int DefaultCommitIntervalMilliseconds = 1000;

    /// <summary>The default for <see cref="CommitInterval"/>.</summary>
    public static readonly TimeSpan DefaultCommitInterval = TimeSpan.FromMilliseconds(DefaultCommitIntervalMilliseconds);

    /// <summary>
    /// The Kafka brokers to bootstrap from, <c>host:port</c> separated by commas (<c>bootstrap.servers</c>). Required.
    /// </summary>
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>
    /// The Kafka consumer group whose committed offsets record how far each partition has been delivered
    /// (<c>group.id</c>). Required. Partitions are assigned by Orleans, not by Kafka's group protocol, so this group
    /// must not also be used by subscribing consumers (Kafka then rejects the provider's commits).
    /// </summary>
    public string ConsumerGroupId { get; set; } = string.Empty;

    /// <summary>The topics to read and write, each mapped to its own stream namespace. At least one is required.</summary>
    public List<KafkaTopicOptions> Topics { get; set; } = [];

    /// <summary>
    /// Where to start a partition the consumer group has no committed offset for, or whose committed offset is no
    /// longer kept by the broker (<c>auto.offset.reset</c>). Defaults to <see cref="DefaultAutoOffsetReset"/>.
    /// </summary>
    public AutoOffsetReset AutoOffsetReset { get; set; } = DefaultAutoOffsetReset;

    /// <summary>
    /// The least time between two offset commits of one partition. Delivered offsets are also committed when a
    /// partition's receiver shuts down. Defaults to <see cref="DefaultCommitInterval"/>.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = DefaultCommitInterval;

    /// <summary>
    /// The most records one partition hands to Orleans per read; Orleans' cache may ask for fewer.
    /// Defaults to <see cref="DefaultMaxBatchSize"/>.
    /// </summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>
    /// Appended to a topic's name to name its dead-letter topic, which receives the records that cannot be
    /// delivered (for example records without a key). The dead-letter topics must exist, or the brokers must
    /// create topics automatically. Defaults to <see cref="DefaultDeadLetterTopicSuffix"/>.
    /// </summary>
    public string DeadLetterTopicSuffix { get; set; } = DefaultDeadLetterTopicSuffix;

    /// <summary>
    /// Further librdkafka settings passed to both the consumers and the producer, for example
    /// <c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>,
    /// <c>ssl.ca.location</c> or <c>client.id</c>. Secret values are redacted when options are logged. The provider
    /// sets <c>bootstrap.servers</c>, <c>group.id</c>, <c>enable.auto.commit</c> and <c>enable.auto.offset.store</c>
    /// itself, so those keys are rejected here, and the producer always uses the <c>murmur2_random</c> partitioner.
    /// </summary>
    [RedactKafkaClientSecrets]
    public Dictionary<string, string> ClientConfig { get; set; } = [];

    /// <summary>Gets the dead-letter topic of <paramref name="topic"/>.</summary>
    /// <param name="topic">The source topic.</param>
    /// <returns><paramref name="topic"/> followed by <see cref="DeadLetterTopicSuffix"/>.</returns>
    public string GetDeadLetterTopic(string topic) => topic + DeadLetterTopicSuffix;
}
