using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Writes stream events as keyed Kafka records (key = stream key, topic = the topic of the stream's namespace) and
/// creates one receiver per partition this silo is given.
/// </summary>
internal sealed class KafkaQueueAdapter : IQueueAdapter
{
    private readonly KafkaStreamOptions options;
    private readonly KafkaStreamQueueMapper queueMapper;
    private readonly KafkaProducerConnection producer;
    private readonly KafkaDeadLetterPublisher deadLetters;
    private readonly KafkaStreamDiagnostics diagnostics;
    private readonly TimeProvider timeProvider;
    private readonly ILoggerFactory loggerFactory;
    private readonly KafkaQueueAdapterCache cache;

    public KafkaQueueAdapter(
        string name,
        KafkaStreamOptions options,
        KafkaStreamQueueMapper queueMapper,
        KafkaProducerConnection producer,
        KafkaDeadLetterPublisher deadLetters,
        KafkaStreamDiagnostics diagnostics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        KafkaQueueAdapterCache cache)
    {
        Name = name;
        this.options = options;
        this.queueMapper = queueMapper;
        this.producer = producer;
        this.deadLetters = deadLetters;
        this.diagnostics = diagnostics;
        this.timeProvider = timeProvider;
        this.loggerFactory = loggerFactory;
        this.cache = cache;
    }

    public string Name { get; }

    // Consumers cannot ask for records older than what is still in the cache.
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
    {
        if (!queueMapper.TryGetPartition(queueId, out var queue))
        {
            throw new ArgumentException($"Queue {queueId} is not a partition of the Kafka stream provider '{Name}'.", nameof(queueId));
        }

        return new KafkaQueueAdapterReceiver(Name, options, queue.Topic, queue.Partition, deadLetters, diagnostics, timeProvider, loggerFactory, () => cache.Find(queueId));
    }

    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (token is not null)
        {
            throw new ArgumentException($"The Kafka stream provider '{Name}' does not accept sequence tokens from producers; Kafka assigns offsets.", nameof(token));
        }

        var topic = queueMapper.GetTopicForNamespace(streamId.GetNamespace());
        var key = streamId.Key.ToArray();
        var kafka = producer.Producer;
        var pending = new List<Task<DeliveryResult<byte[]?, byte[]?>>>();
        foreach (var item in events)
        {
            // Each ProduceAsync call queues the record immediately, so records keep their order within the partition.
            pending.Add(kafka.ProduceAsync(topic.Name, ToMessage(key, item)));
        }

        await Task.WhenAll(pending);
    }

    private static Message<byte[]?, byte[]?> ToMessage<T>(byte[] key, T item)
    {
        var message = new Message<byte[]?, byte[]?> { Key = key };
        switch (item)
        {
            case null:
                message.Value = null;
                break;
            case KafkaRecord record:
                message.Value = record.Value;
                if (!record.Headers.IsDefaultOrEmpty)
                {
                    message.Headers = [];
                    foreach (var header in record.Headers)
                    {
                        message.Headers.Add(header.Name, header.Value);
                    }
                }

                break;
            case byte[] bytes:
                message.Value = bytes;
                break;
            case ReadOnlyMemory<byte> memory:
                message.Value = memory.ToArray();
                break;
            case string text:
                message.Value = Encoding.UTF8.GetBytes(text);
                break;
            default:
                message.Value = JsonSerializer.SerializeToUtf8Bytes(item, item.GetType());
                break;
        }

        return message;
    }
}
