using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// The one Kafka producer of a stream provider in this process, shared by the queue adapter and the dead-letter
/// publisher; created on first use and flushed when the host stops.
/// </summary>
internal sealed partial class KafkaProducerConnection : IKafkaRecordProducer, IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    private readonly Lazy<IProducer<byte[]?, byte[]?>> producer;
    private readonly ILogger logger;
    private readonly string providerName;
    // Registered under more than one service (the connection itself and IKafkaRecordProducer): disposed once.
    private int disposed;

    public KafkaProducerConnection(string providerName, KafkaStreamOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.providerName = providerName;
        logger = loggerFactory.CreateLogger<KafkaProducerConnection>();
        producer = new Lazy<IProducer<byte[]?, byte[]?>>(
            () => new ProducerBuilder<byte[]?, byte[]?>(KafkaClientConfigs.CreateProducerConfig(options, $"orleans-{providerName}-producer"))
                .SetErrorHandler((_, error) => LogProducerError(this.providerName, error.Code, error.Reason, error.IsFatal))
                .SetLogHandler((_, message) => LogClientMessage(this.providerName, message.Level, message.Facility, message.Message))
                .Build(),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public IProducer<byte[]?, byte[]?> Producer => producer.Value;

    public void Produce(string topic, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>> deliveryHandler) =>
        Producer.Produce(topic, message, deliveryHandler);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0 || !producer.IsValueCreated)
        {
            return;
        }

        try
        {
            var left = producer.Value.Flush(FlushTimeout);
            if (left > 0)
            {
                LogUnflushed(providerName, left);
            }
        }
        catch (KafkaException exception)
        {
            LogFlushFailed(providerName, exception);
        }
        finally
        {
            producer.Value.Dispose();
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': producer error {Code}: {Reason} (fatal: {IsFatal})")]
    private partial void LogProducerError(string provider, Confluent.Kafka.ErrorCode code, string reason, bool isFatal);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "Kafka stream provider '{Provider}': librdkafka {Level} {Facility}: {Text}")]
    private partial void LogClientMessage(string provider, SyslogLevel level, string facility, string text);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': {Count} produced records were still unacknowledged when the producer stopped")]
    private partial void LogUnflushed(string provider, int count);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': flushing the producer failed")]
    private partial void LogFlushFailed(string provider, Exception exception);
}
