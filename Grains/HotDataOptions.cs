using System.ComponentModel.DataAnnotations;

namespace OrleansHotData.Grains;

/// <summary>Limits of the hot-data grains, bound from the <c>HotData</c> configuration section.</summary>
public sealed class HotDataOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "HotData";

    /// <summary>The upper bound of a key's length in UTF-8 bytes. Default 512.</summary>
    [Range(1, 64 * 1024)]
    public int MaxKeyBytes { get; set; } = HotDataKey.DefaultMaxBytes;

    /// <summary>The upper bound of a value's size in UTF-8 bytes. Default 1 MiB.</summary>
    [Range(2, 64 * 1024 * 1024)]
    public int MaxValueBytes { get; set; } = HotDataConstants.DefaultMaxValueBytes;

    /// <summary>
    /// The longest time to live a change may give a value, from one second to 100 years. Default 10 years
    /// (<c>3650.00:00:00</c>). A longer one is refused: HTTP 400, the SDK's invalid-change error, or a dead letter.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "36500.00:00:00")]
    public TimeSpan MaxTtl { get; set; } = HotDataConstants.DefaultMaxTtl;

    /// <summary>
    /// How many times a Kafka record whose processing fails for a reason that is neither Redis nor the cluster is tried
    /// before it is dead-lettered with the failure as its reason, so that it cannot hold its partition. Default 3.
    /// Failures of Redis or the cluster are retried until they heal, whatever this says.
    /// </summary>
    [Range(1, 100)]
    public int MaxRecordAttempts { get; set; } = DefaultMaxRecordAttempts;

    /// <summary>The default of <see cref="MaxRecordAttempts"/>.</summary>
    public const int DefaultMaxRecordAttempts = 3;

    /// <summary>
    /// How often the silo sends each near-cache process a heartbeat with the number of its last message, from 10 ms to
    /// 10 s. Default 250 ms. A near-cache serves an entry only while its silo's heartbeats keep coming within the
    /// cache's <c>MaxStaleness</c> (default 1 s), so keep this well below the smallest <c>MaxStaleness</c> of the
    /// clients and silos.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan CacheHeartbeatInterval { get; set; } = DefaultCacheHeartbeatInterval;

    /// <summary>The default of <see cref="CacheHeartbeatInterval"/>.</summary>
    public static readonly TimeSpan DefaultCacheHeartbeatInterval = TimeSpan.FromMilliseconds(250);
}
