using Confluent.Kafka;

namespace Orleans.Streaming.Kafka;

/// <summary>
/// Writes records of the application's own to Kafka through the stream provider's producer (idempotent, acks=all,
/// keyed records partitioned like Kafka's Java client), configured from the same <c>KafkaStreamOptions</c> — brokers,
/// security and every <c>ClientConfig</c> setting. One instance exists per stream provider; resolve it as a keyed
/// service with the provider name as key.
/// </summary>
public interface IKafkaRecordProducer
{
    /// <summary>
    /// Queues <paramref name="message"/> for <paramref name="topic"/> without waiting; <paramref name="deliveryHandler"/>
    /// is called once, on the producer's thread, when the brokers acknowledged it or it finally failed. Records of one
    /// key queued one after another are written in that order.
    /// </summary>
    /// <exception cref="KafkaException">The record could not even be queued (the local queue is full, the record too large).</exception>
    void Produce(string topic, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>> deliveryHandler);
}
