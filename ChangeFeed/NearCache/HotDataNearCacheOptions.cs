namespace OrleansHotData.ChangeFeed;

/// <summary>
/// The near-cache of a process (a client's <c>HotDataClient:NearCache</c>, a silo's <c>HotDataApi:NearCache</c>): keys
/// read recently, kept in memory and kept current by their grains, so a read is a local lookup.
/// </summary>
public sealed class HotDataNearCacheOptions
{
    /// <summary>Whether reads are served from the near-cache. Default on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most keys kept, present and absent ones alike. Default 100,000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>The most memory the entries may take, estimated from their keys and values. Default 256 MiB.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The oldest a cached read may be: an entry whose subscription has not been confirmed by its silo within this
    /// time (a silo gone silent, a lost message, a dropped connection) is read from its grain again before it is
    /// served. From 100 ms to 1 minute; default 1 s. Keep it well above the silos' <c>HotData:CacheHeartbeatInterval</c>
    /// (250 ms by default).
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The first problem with these options, or <see langword="null"/>; <paramref name="section"/> names them in the message.</summary>
    public string? Validate(string section)
    {
        if (MaxEntries < 1)
        {
            return $"{section}:{nameof(MaxEntries)} must be at least 1; got {MaxEntries}.";
        }

        if (MaxBytes < 64 * 1024)
        {
            return $"{section}:{nameof(MaxBytes)} must be at least 65536; got {MaxBytes}.";
        }

        if (MaxStaleness < TimeSpan.FromMilliseconds(100) || MaxStaleness > TimeSpan.FromMinutes(1))
        {
            return $"{section}:{nameof(MaxStaleness)} must be from 00:00:00.1 to 00:01:00; got {MaxStaleness}.";
        }

        return null;
    }
}
