using Orleans.Configuration;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// The silo's own settings of Kafka ingestion, bound from the <c>Kafka</c> section beside the stream provider's
/// <see cref="KafkaStreamOptions"/> (which the provider binds from the same section and validates itself).
/// </summary>
public sealed class KafkaIngestionOptions
{
    public const string SectionName = HotDataSilo.KafkaSectionName;

    /// <summary>The smallest and largest stream cache, in records of one partition.</summary>
    public const int MinCacheSize = 16;

    public const int MaxCacheSize = 1_000_000;

    /// <summary>The Kafka brokers; ingestion is off when none is given.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>
    /// The records of one partition a silo holds between reading and delivering them (see
    /// <see cref="HotDataSilo.DefaultStreamCacheSize"/>). Default 4096.
    /// </summary>
    public int CacheSize { get; set; } = HotDataSilo.DefaultStreamCacheSize;

    /// <summary>
    /// How long a key's stream may go without records before the silo lets go of what it keeps for it (see
    /// <see cref="HotDataSilo.DefaultStreamInactivityPeriod"/>). Default 2 minutes.
    /// </summary>
    public TimeSpan StreamInactivityPeriod { get; set; } = HotDataSilo.DefaultStreamInactivityPeriod;

    /// <summary>The ingested topics, as far as the silo itself reads them (the stream provider reads the rest).</summary>
    public List<TopicOptions> Topics { get; set; } = [];

    /// <summary>Whether Kafka ingestion is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(BootstrapServers);

    /// <summary>The part of one ingested topic's settings the silo checks.</summary>
    public sealed class TopicOptions
    {
        public string? Name { get; set; }

        public string? StreamNamespace { get; set; }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per setting, each naming it.</summary>
    public static IEnumerable<string> Problems(KafkaIngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CacheSize is < MinCacheSize or > MaxCacheSize)
        {
            yield return $"{SectionName}:{nameof(CacheSize)} is {options.CacheSize}: it must be a whole number of records from {MinCacheSize} to {MaxCacheSize} (default {HotDataSilo.DefaultStreamCacheSize}).";
        }

        if (options.StreamInactivityPeriod < HotDataSilo.MinStreamInactivityPeriod)
        {
            yield return $"{SectionName}:{nameof(StreamInactivityPeriod)} is '{options.StreamInactivityPeriod}': it must be a time span of at least {HotDataSilo.MinStreamInactivityPeriod} such as 00:02:00 (default {HotDataSilo.DefaultStreamInactivityPeriod}).";
        }

        // HotDataGrain's implicit subscription reads one stream namespace; a topic mapped to another one would be read
        // and committed with nobody applying its records.
        for (var i = 0; i < options.Topics.Count; i++)
        {
            var topic = options.Topics[i];
            if (!string.IsNullOrEmpty(topic.StreamNamespace) && !string.Equals(topic.StreamNamespace, HotDataConstants.StreamNamespace, StringComparison.Ordinal))
            {
                yield return $"{SectionName}:{nameof(Topics)}:{i}:{nameof(TopicOptions.StreamNamespace)} is '{topic.StreamNamespace}': the grains consume only the stream namespace '{HotDataConstants.StreamNamespace}', so the records of topic '{topic.Name}' would be committed without being applied; remove the setting or set it to '{HotDataConstants.StreamNamespace}'.";
            }
        }
    }
}
