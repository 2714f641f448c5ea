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

    /// <summary>The default for <see cref="CacheSize"/>: records per partition.</summary>
    public const int DefaultCacheSize = 4096;

    /// <summary>The default for <see cref="CacheMaxBytes"/>: 32 MiB per partition.</summary>
    public const long DefaultCacheMaxBytes = 32L * 1024 * 1024;

    /// <summary>The default for <see cref="DeadLetterTopicSuffix"/>.</summary>
    public const string DefaultDeadLetterTopicSuffix = ".dlq";

    /// <summary>The default for <see cref="CommitInterval"/>, in milliseconds.</summary>
    public const int DefaultCommitIntervalMilliseconds = 1000;

    /// <summary>The default for <see cref="CommitInterval"/>.</summary>
    public static readonly TimeSpan DefaultCommitInterval = TimeSpan.FromMilliseconds(DefaultCommitIntervalMilliseconds);

    /// <summary>The default for <see cref="StallTimeout"/>, in seconds.</summary>
    public const int DefaultStallTimeoutSeconds = 60;

    /// <summary>The default for <see cref="StallTimeout"/>.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(DefaultStallTimeoutSeconds);

    /// <summary>The default for <see cref="MaxRecordBytes"/>: a 1 MiB value with room for its key and headers.</summary>
    public const int DefaultMaxRecordBytes = (1024 * 1024) + (64 * 1024);

    /// <summary>
    /// The room the producer keeps beyond <see cref="MaxRecordBytes"/> for the headers a dead letter gains (reason,
    /// source topic, partition and offset) and the record's framing.
    /// </summary>
    public const int DeadLetterOverheadBytes = 16 * 1024;

    /// <summary>The largest <see cref="MaxRecordBytes"/>: librdkafka's ceiling for <c>message.max.bytes</c> less <see cref="DeadLetterOverheadBytes"/>.</summary>
    public const int MaxMaxRecordBytes = 1_000_000_000 - DeadLetterOverheadBytes;

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
    /// The most records of one partition a silo holds between reading them and their delivery returning. A record
    /// leaves the cache (and becomes committable) only once every consumer of its stream has returned from the delivery
    /// that carried it; records of other streams delivered meanwhile leave at once, whatever waits before them. When the
    /// cache holds this many records, the silo stops reading the partition until deliveries return (backpressure): an
    /// undelivered record is never evicted. Defaults to <see cref="DefaultCacheSize"/>.
    /// </summary>
    public int CacheSize { get; set; } = DefaultCacheSize;

    /// <summary>
    /// The most bytes (keys, values and headers, estimated) of one partition's records a silo holds between reading
    /// them and their delivery returning; past it the silo stops reading the partition, as for <see cref="CacheSize"/>.
    /// One read may go past it by at most <see cref="MaxBatchSize"/> records, so a record larger than the bound is still
    /// read. Defaults to <see cref="DefaultCacheMaxBytes"/>.
    /// </summary>
    public long CacheMaxBytes { get; set; } = DefaultCacheMaxBytes;

    /// <summary>
    /// Appended to a topic's name to name its dead-letter topic, which receives the records that cannot be
    /// delivered (for example records without a key). The dead-letter topics must exist, or the brokers must
    /// create topics automatically. Defaults to <see cref="DefaultDeadLetterTopicSuffix"/>.
    /// </summary>
    public string DeadLetterTopicSuffix { get; set; } = DefaultDeadLetterTopicSuffix;

    /// <summary>
    /// How long a partition may go without progress while it has records not yet delivered before it is reported
    /// stalled: its lowest undelivered offset (the offset it commits) has not moved for this long although records
    /// wait at or after it. A stalled partition shows in <see cref="Orleans.Streaming.Kafka.KafkaPartitionStatus"/>, the
    /// <c>orleans.streaming.kafka.stalled</c> gauge and one warning log line naming the partition, offset and key; it
    /// recovers (with one information line) as soon as that offset moves. A partition may wait legitimately, for
    /// example while its consumers retry a failing store; this makes the wait visible, it does not end it.
    /// Defaults to <see cref="DefaultStallTimeout"/>.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = DefaultStallTimeout;

    /// <summary>
    /// The largest record, in bytes (key, value and headers), that the application accepts from the topics, so the
    /// largest the provider must be able to write to a dead-letter topic. The producer's <c>message.max.bytes</c> is
    /// set to this plus <see cref="DeadLetterOverheadBytes"/>; <see cref="ClientConfig"/> may raise it, not lower it.
    /// A dead letter the brokers still refuse as too large is written without its value, with the
    /// <see cref="Orleans.Streaming.Kafka.KafkaDeadLetterHeaders.ValueOmitted"/> header giving the value's size (the
    /// value stays in the source topic at the offset named). Defaults to <see cref="DefaultMaxRecordBytes"/>.
    /// </summary>
    public int MaxRecordBytes { get; set; } = DefaultMaxRecordBytes;

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

    /// <summary>Gets the producer's <c>message.max.bytes</c> that fits a dead letter of a record of <see cref="MaxRecordBytes"/>.</summary>
    /// <returns><see cref="MaxRecordBytes"/> plus <see cref="DeadLetterOverheadBytes"/>.</returns>
    public int GetRequiredProducerMessageMaxBytes() => (int)Math.Min(1_000_000_000L, (long)MaxRecordBytes + DeadLetterOverheadBytes);
}
