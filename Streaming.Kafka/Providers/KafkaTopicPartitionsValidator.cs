using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Compares, when a silo starts, each configured topic's partition count with the brokers' metadata. Each partition
/// is one Orleans queue, so a topic with more partitions than configured would have some never read, and one with
/// fewer would have receivers for partitions that do not exist: either refuses start-up. A topic the brokers do not
/// have yet, or brokers that do not answer in time, only give a warning: they may come later.
/// </summary>
internal sealed partial class KafkaTopicPartitionsValidator : IConfigurationValidator
{
    /// <summary>How long start-up waits for the brokers' metadata before it goes on without the check.</summary>
    internal static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(5);

    private readonly KafkaStreamOptions options;
    private readonly string name;
    private readonly ILogger logger;

    public KafkaTopicPartitionsValidator(KafkaStreamOptions options, string name, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.options = options;
        this.name = name;
        logger = loggerFactory.CreateLogger<KafkaTopicPartitionsValidator>();
    }

    /// <inheritdoc/>
    public void ValidateConfiguration()
    {
        Confluent.Kafka.Metadata metadata;
        try
        {
            using var admin = new AdminClientBuilder(KafkaClientConfigs.CreateAdminConfig(options, $"orleans-{name}-startup-check"))
                // Unreachable brokers are reported once below, not by librdkafka on the console.
                .SetLogHandler((_, message) => LogClientMessage(name, message.Facility, message.Message))
                .SetErrorHandler((_, error) => LogClientError(name, error.Code, error.Reason))
                .Build();
            // Metadata of all topics: asking for named topics could make a broker create them.
            metadata = admin.GetMetadata(MetadataTimeout);
        }
        catch (KafkaException exception)
        {
            LogBrokersUnreachable(name, options.BootstrapServers, MetadataTimeout.TotalSeconds, exception.Error.Code, exception.Error.Reason);
            return;
        }
        catch (ArgumentException exception)
        {
            // A librdkafka setting the client refuses; the receivers report it too, and retry.
            LogCheckImpossible(name, exception.Message);
            return;
        }

        var topics = metadata.Topics.ToDictionary(topic => topic.Topic, StringComparer.Ordinal);
        for (var i = 0; i < options.Topics.Count; i++)
        {
            var topic = options.Topics[i];
            if (!topics.TryGetValue(topic.Name, out var found) || found.Error.Code == Confluent.Kafka.ErrorCode.UnknownTopicOrPart)
            {
                LogTopicMissing(name, topic.Name, options.BootstrapServers, $"{nameof(KafkaStreamOptions.Topics)}:{i}");
                continue;
            }

            if (found.Error.IsError)
            {
                LogTopicMetadataError(name, topic.Name, found.Error.Code, found.Error.Reason);
                continue;
            }

            var actual = found.Partitions.Count;
            if (actual != topic.Partitions)
            {
                var consequence = actual > topic.Partitions
                    ? $"{Partitions(topic.Partitions, actual - 1)} would never be read"
                    : $"receivers would wait for {Partitions(actual, topic.Partitions - 1)}, which do not exist";
                throw new OrleansConfigurationException(
                    $"Kafka stream provider '{name}': {nameof(KafkaStreamOptions.Topics)}:{i}:{nameof(KafkaTopicOptions.Partitions)} is {topic.Partitions}, but topic '{topic.Name}' has {actual} partitions on the brokers ({consequence}); set it to {actual}.");
            }
        }
    }

    private static string Partitions(int first, int last) => first == last ? $"partition {first}" : $"partitions {first} to {last}";

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': the brokers at {BootstrapServers} did not give their topics within {Seconds} s ({Code}: {Reason}); starting without checking the topics' partition counts")]
    private partial void LogBrokersUnreachable(string provider, string bootstrapServers, double seconds, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': topic '{Topic}' ({Setting}) does not exist on the brokers at {BootstrapServers}; its partitions are read once it is created")]
    private partial void LogTopicMissing(string provider, string topic, string bootstrapServers, string setting);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': the brokers report {Code} for topic '{Topic}' ({Reason}); its partition count is not checked")]
    private partial void LogTopicMetadataError(string provider, string topic, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Debug, Message = "Kafka stream provider '{Provider}': start-up check: {Code}: {Reason}")]
    private partial void LogClientError(string provider, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': the topics' partition counts cannot be checked: {Problem}")]
    private partial void LogCheckImpossible(string provider, string problem);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Debug, Message = "Kafka stream provider '{Provider}': start-up check: librdkafka {Facility}: {Text}")]
    private partial void LogClientMessage(string provider, string facility, string text);
}
