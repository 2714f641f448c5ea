namespace Orleans.Streaming.Kafka;

/// <summary>
/// Names of the headers added to a dead-lettered record, after its original headers. Values are UTF-8 text.
/// </summary>
public static class KafkaDeadLetterHeaders
{
    /// <summary>Why the record was set aside.</summary>
    public const string Reason = "dead-letter-reason";

    /// <summary>The topic the record was read from.</summary>
    public const string SourceTopic = "dead-letter-topic";

    /// <summary>The partition the record was read from.</summary>
    public const string SourcePartition = "dead-letter-partition";

    /// <summary>The offset the record had in its source partition.</summary>
    public const string SourceOffset = "dead-letter-offset";

    /// <summary>
    /// Present when the brokers refused the dead letter as too large and it was written without its value: the value's
    /// size in bytes. The value stays in the source topic at <see cref="SourceOffset"/> (while the topic keeps it).
    /// </summary>
    public const string ValueOmitted = "dead-letter-value-omitted";

    /// <summary>The reason given to records that have no key and so cannot be routed to a stream.</summary>
    public const string MissingKeyReason = "missing-key";

    /// <summary>The reason given to records whose key is not valid UTF-8.</summary>
    public const string InvalidKeyReason = "key-not-utf8";
}
