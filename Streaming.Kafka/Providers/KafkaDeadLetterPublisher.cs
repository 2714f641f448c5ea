using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>Writes records that cannot be applied to their topic's dead-letter topic.</summary>
internal sealed partial class KafkaDeadLetterPublisher : IKafkaDeadLetterPublisher
{
    // A reason is an exception's message at worst; a bounded header keeps the dead letter within its size margin.
    private const int MaxReasonLength = 1024;

    private readonly string providerName;
    private readonly KafkaStreamOptions options;
    private readonly KafkaProducerConnection connection;
    private readonly ILogger logger;
    private long deadLettered;

    public KafkaDeadLetterPublisher(string providerName, KafkaStreamOptions options, KafkaProducerConnection connection, ILoggerFactory loggerFactory)
    {
        this.providerName = providerName;
        this.options = options;
        this.connection = connection;
        logger = loggerFactory.CreateLogger<KafkaDeadLetterPublisher>();
    }

    public long DeadLetteredCount => Interlocked.Read(ref deadLettered);

    public Task PublishAsync(KafkaRecord record, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var headers = record.Headers.IsDefault ? [] : record.Headers;
        return PublishAsync(
            record.Topic,
            record.Partition,
            record.Offset,
            Encoding.UTF8.GetBytes(record.Key),
            record.Value,
            headers.Select(header => (header.Name, header.Value)),
            reason,
            cancellationToken);
    }

    /// <summary>Dead-letters a record as read from Kafka, keeping its key bytes exactly (even when they are not text).</summary>
    internal Task PublishAsync(ConsumeResult<byte[]?, byte[]?> result, string reason, CancellationToken cancellationToken) =>
        PublishAsync(
            result.Topic,
            result.Partition.Value,
            result.Offset.Value,
            result.Message.Key,
            result.Message.Value,
            result.Message.Headers?.Select(header => (header.Key, (byte[]?)header.GetValueBytes())) ?? [],
            reason,
            cancellationToken);

    private async Task PublishAsync(
        string topic,
        int partition,
        long offset,
        byte[]? key,
        byte[]? value,
        IEnumerable<(string Name, byte[]? Value)> originalHeaders,
        string reason,
        CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var (name, headerValue) in originalHeaders)
        {
            headers.Add(name, headerValue);
        }

        headers.Add(KafkaDeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason));
        headers.Add(KafkaDeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(topic));
        headers.Add(KafkaDeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(partition.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaDeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));

        var deadLetterTopic = options.GetDeadLetterTopic(topic);
        var message = new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers };
        try
        {
            try
            {
                await connection.Producer.ProduceAsync(deadLetterTopic, message, cancellationToken).ConfigureAwait(false);
            }
            catch (ProduceException<byte[]?, byte[]?> exception) when (value is not null && IsTooLarge(exception.Error.Code))
            {
                // Retrying the same record would fail the same way and hold its partition forever. The value stays
                // readable in the source topic at the offset the headers name.
                LogValueOmitted(providerName, topic, partition, offset, deadLetterTopic, value.Length, exception.Error.Code);
                headers.Add(KafkaDeadLetterHeaders.ValueOmitted, Encoding.UTF8.GetBytes(value.Length.ToString(CultureInfo.InvariantCulture)));
                var withoutValue = new Message<byte[]?, byte[]?> { Key = key, Value = null, Headers = headers };
                await connection.Producer.ProduceAsync(deadLetterTopic, withoutValue, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (KafkaException)
        {
            KafkaStreamInstruments.OnDeadLetterFailed(providerName, topic);
            throw;
        }

        Interlocked.Increment(ref deadLettered);
        KafkaStreamInstruments.OnDeadLettered(providerName, topic);
        LogDeadLettered(providerName, topic, partition, offset, deadLetterTopic, reason);
    }

    // MSG_SIZE_TOO_LARGE is both the broker's MESSAGE_TOO_LARGE and librdkafka's local refusal beyond message.max.bytes.
    private static bool IsTooLarge(Confluent.Kafka.ErrorCode code) => code is Confluent.Kafka.ErrorCode.MsgSizeTooLarge or Confluent.Kafka.ErrorCode.RecordListTooLarge;

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': dead letter of {Topic}[{Partition}]@{Offset} refused by '{DeadLetterTopic}' as too large ({Code}); writing it without its {ValueBytes}-byte value")]
    private partial void LogValueOmitted(string provider, string topic, int partition, long offset, string deadLetterTopic, int valueBytes, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': record {Topic}[{Partition}]@{Offset} written to dead-letter topic '{DeadLetterTopic}': {Reason}")]
    private partial void LogDeadLettered(string provider, string topic, int partition, long offset, string deadLetterTopic, string reason);
}
