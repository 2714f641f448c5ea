using System.ComponentModel.DataAnnotations;

namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// The changelog topic, bound from the <c>Changelog</c> configuration section. It needs Kafka: without
/// <c>Kafka:BootstrapServers</c> there is no changelog, whatever <see cref="Enabled"/> says.
/// </summary>
public sealed class ChangelogOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Changelog";

    /// <summary>The suffix of the default topic name, after the first ingested topic's name.</summary>
    public const string DefaultTopicSuffix = ".changes";

    /// <summary>The default of <see cref="MaxOutboxEntries"/>.</summary>
    public const int DefaultMaxOutboxEntries = 256;

    /// <summary>The default of <see cref="OutboxFullTimeout"/>.</summary>
    public static readonly TimeSpan DefaultOutboxFullTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default of <see cref="RetryInterval"/>.</summary>
    public static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>Whether every applied change is published to <see cref="Topic"/>. Default on (when Kafka is configured).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The one changelog topic of every key, whatever its changes came from. Default: the first topic of
    /// <c>Kafka:Topics</c> followed by <c>.changes</c> (<c>hotdata.events.changes</c>).
    /// </summary>
    public string? Topic { get; set; }

    /// <summary>
    /// The most changes of one key kept waiting for Kafka's acknowledgement, from 1 to 100000. Default 256. While a key's
    /// outbox is full a change waits up to <see cref="OutboxFullTimeout"/> for Kafka to acknowledge earlier ones (a burst
    /// of writes to one key goes at Kafka's pace); when it is still full (a long broker outage) the change is refused — an API write with 503, a Kafka record retried
    /// until the outbox drains — so that none is applied without reaching the changelog. Each waiting change is stored
    /// with the key's state, so this also bounds how large that state grows.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxOutboxEntries { get; set; } = DefaultMaxOutboxEntries;

    /// <summary>
    /// How long a change of a key whose outbox is full waits for Kafka's acknowledgements before it is refused, from 0
    /// (refuse at once) to 1 min. Default 5 s. The key's other changes queue behind it meanwhile.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan OutboxFullTimeout { get; set; } = DefaultOutboxFullTimeout;

    /// <summary>How soon a change whose publication failed is published again, from 10 ms to 10 min. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryInterval { get; set; } = DefaultRetryInterval;
}
