using System.Text.RegularExpressions;

namespace Orleans.Configuration;

/// <summary>
/// Checks <see cref="KafkaStreamOptions"/> at startup and stops the silo or client with one sentence naming the
/// setting that is wrong.
/// </summary>
public sealed partial class KafkaStreamOptionsValidator : IConfigurationValidator
{
    /// <summary>The librdkafka settings the provider owns; <see cref="KafkaStreamOptions.ClientConfig"/> may not set them.</summary>
    internal static readonly string[] ProviderOwnedClientSettings =
        ["bootstrap.servers", "metadata.broker.list", "group.id", "enable.auto.commit", "enable.auto.offset.store"];

    /// <summary>librdkafka's largest-message setting, which the provider sets from <see cref="KafkaStreamOptions.MaxRecordBytes"/>.</summary>
    internal const string MessageMaxBytesSetting = "message.max.bytes";

    private const int MaxTopicNameLength = 249;

    private readonly KafkaStreamOptions options;
    private readonly string name;

    /// <summary>Creates a validator for the options of stream provider <paramref name="name"/>.</summary>
    /// <param name="options">The options to check.</param>
    /// <param name="name">The stream provider name, used in messages.</param>
    public KafkaStreamOptionsValidator(KafkaStreamOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(name);
        this.options = options;
        this.name = name;
    }

    /// <inheritdoc/>
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            Fail($"{nameof(KafkaStreamOptions.BootstrapServers)} is empty; set it to the brokers' host:port list");
        }

        if (string.IsNullOrWhiteSpace(options.ConsumerGroupId))
        {
            Fail($"{nameof(KafkaStreamOptions.ConsumerGroupId)} is empty; set it to the consumer group whose offsets record delivery");
        }

        if (options.Topics is null || options.Topics.Count == 0)
        {
            Fail($"{nameof(KafkaStreamOptions.Topics)} is empty; configure at least one topic with its stream namespace");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Topics.Count; i++)
        {
            var topic = options.Topics[i];
            var setting = $"{nameof(KafkaStreamOptions.Topics)}[{i}]";
            if (topic is null)
            {
                Fail($"{setting} is null");
            }

            if (string.IsNullOrWhiteSpace(topic.Name))
            {
                Fail($"{setting}.{nameof(KafkaTopicOptions.Name)} is empty");
            }

            if (topic.Name.Length > MaxTopicNameLength || !TopicNamePattern().IsMatch(topic.Name))
            {
                Fail($"{setting}.{nameof(KafkaTopicOptions.Name)} '{topic.Name}' is not a valid Kafka topic name (up to {MaxTopicNameLength} of a-z, A-Z, 0-9, '.', '_', '-')");
            }

            if (string.IsNullOrWhiteSpace(topic.StreamNamespace))
            {
                Fail($"{setting}.{nameof(KafkaTopicOptions.StreamNamespace)} of topic '{topic.Name}' is empty");
            }

            if (topic.Partitions < 1)
            {
                Fail($"{setting}.{nameof(KafkaTopicOptions.Partitions)} of topic '{topic.Name}' is {topic.Partitions}; it must be at least 1");
            }

            if (!names.Add(topic.Name))
            {
                Fail($"{setting}.{nameof(KafkaTopicOptions.Name)} '{topic.Name}' is configured more than once");
            }

            if (!namespaces.Add(topic.StreamNamespace))
            {
                Fail($"{setting}.{nameof(KafkaTopicOptions.StreamNamespace)} '{topic.StreamNamespace}' is already mapped to another topic; each topic needs its own namespace");
            }
        }

        if (string.IsNullOrEmpty(options.DeadLetterTopicSuffix))
        {
            Fail($"{nameof(KafkaStreamOptions.DeadLetterTopicSuffix)} is empty, which would dead-letter records into their own topic");
        }

        foreach (var topic in options.Topics)
        {
            if (names.Contains(options.GetDeadLetterTopic(topic.Name)))
            {
                Fail($"{nameof(KafkaStreamOptions.DeadLetterTopicSuffix)} '{options.DeadLetterTopicSuffix}' makes the dead-letter topic of '{topic.Name}' one of the configured topics");
            }
        }

        if (!Enum.IsDefined(options.AutoOffsetReset))
        {
            Fail($"{nameof(KafkaStreamOptions.AutoOffsetReset)} '{options.AutoOffsetReset}' is not one of Earliest, Latest, Error");
        }

        if (options.CommitInterval < TimeSpan.Zero)
        {
            Fail($"{nameof(KafkaStreamOptions.CommitInterval)} is {options.CommitInterval}; it cannot be negative");
        }

        if (options.MaxBatchSize < 1)
        {
            Fail($"{nameof(KafkaStreamOptions.MaxBatchSize)} is {options.MaxBatchSize}; it must be at least 1");
        }

        if (options.CacheSize < 1)
        {
            Fail($"{nameof(KafkaStreamOptions.CacheSize)} is {options.CacheSize}; it must be at least 1 record per partition");
        }

        if (options.CacheMaxBytes < 1)
        {
            Fail($"{nameof(KafkaStreamOptions.CacheMaxBytes)} is {options.CacheMaxBytes}; it must be at least 1 byte per partition");
        }

        if (options.StallTimeout <= TimeSpan.Zero)
        {
            Fail($"{nameof(KafkaStreamOptions.StallTimeout)} is {options.StallTimeout}; it must be positive");
        }

        if (options.MaxRecordBytes is < 1 or > KafkaStreamOptions.MaxMaxRecordBytes)
        {
            Fail($"{nameof(KafkaStreamOptions.MaxRecordBytes)} is {options.MaxRecordBytes}; it must be from 1 to {KafkaStreamOptions.MaxMaxRecordBytes}");
        }

        if (options.ClientConfig is not null)
        {
            foreach (var (key, value) in options.ClientConfig)
            {
                if (ProviderOwnedClientSettings.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    Fail($"{nameof(KafkaStreamOptions.ClientConfig)} sets '{key}', which the provider sets itself (brokers and group come from BootstrapServers and ConsumerGroupId, and commits are always manual)");
                }

                if (string.Equals(key, MessageMaxBytesSetting, StringComparison.OrdinalIgnoreCase))
                {
                    var required = options.GetRequiredProducerMessageMaxBytes();
                    if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) || bytes < required)
                    {
                        Fail($"{nameof(KafkaStreamOptions.ClientConfig)}:{key} is '{value}'; it must be at least {required} so that a dead letter of the largest record fits ({nameof(KafkaStreamOptions.MaxRecordBytes)} {options.MaxRecordBytes} plus {KafkaStreamOptions.DeadLetterOverheadBytes} for dead-letter headers); remove it or raise it");
                    }
                }
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(string problem) =>
        throw new OrleansConfigurationException($"Kafka stream provider '{name}': {problem}.");

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex TopicNamePattern();
}
