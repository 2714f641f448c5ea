namespace Orleans.Streaming.Kafka;

/// <summary>
/// Sets aside records that cannot be applied: writes them to the dead-letter topic of their source topic
/// (<c>&lt;topic&gt;&lt;DeadLetterTopicSuffix&gt;</c>, <c>.dlq</c> by default) with their key, value and headers, plus
/// headers saying why and where they came from (see <see cref="KafkaDeadLetterHeaders"/>).
/// One instance exists per stream provider; resolve it as a keyed service with the provider name as key.
/// </summary>
public interface IKafkaDeadLetterPublisher
{
    /// <summary>The number of records this process has written to dead-letter topics through this provider.</summary>
    long DeadLetteredCount { get; }

    /// <summary>
    /// Writes <paramref name="record"/> to the dead-letter topic of <see cref="KafkaRecord.Topic"/> and completes when
    /// the brokers have acknowledged it.
    /// </summary>
    /// <param name="record">The record to set aside.</param>
    /// <param name="reason">Why it cannot be applied, written as the <see cref="KafkaDeadLetterHeaders.Reason"/> header.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement; the record may still be written.</param>
    /// <returns>A task that completes when the record is stored.</returns>
    Task PublishAsync(KafkaRecord record, string reason, CancellationToken cancellationToken = default);
}
