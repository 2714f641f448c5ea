namespace OrleansHotData.ChangeFeed;

/// <summary>What a near-cache has done since it started.</summary>
/// <param name="Hits">Reads answered from memory.</param>
/// <param name="Misses">Reads of keys not in the cache (each subscribes the key).</param>
/// <param name="Revalidations">Reads of cached keys whose subscription was not confirmed within <c>MaxStaleness</c>: read from the grain again.</param>
/// <param name="Invalidations">Subscriptions ended by their silo (activation gone, lease run out), and channels whose entries were all distrusted at once (a lost message, a dropped connection), each counted once.</param>
/// <param name="Evictions">Entries dropped to stay within <c>MaxEntries</c> and <c>MaxBytes</c>.</param>
/// <param name="Updates">Changes pushed by the grains and applied to cached entries.</param>
/// <param name="Entries">Keys cached now.</param>
/// <param name="Bytes">The estimated memory of the entries now.</param>
public readonly record struct HotDataNearCacheStatistics(
    long Hits,
    long Misses,
    long Revalidations,
    long Invalidations,
    long Evictions,
    long Updates,
    long Entries,
    long Bytes);
