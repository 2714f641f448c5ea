using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>The reads a client's near-cache answered between two readings of its statistics.</summary>
/// <param name="Hits">Reads answered from memory.</param>
/// <param name="Misses">Reads of keys not cached (answered by their grain).</param>
/// <param name="Revalidations">Reads of cached keys not confirmed within <c>MaxStaleness</c> (answered by their grain).</param>
/// <param name="Updates">Changes the grains pushed and the cache applied.</param>
public sealed record NearCacheReads(long Hits, long Misses, long Revalidations, long Updates = 0)
{
    /// <summary>Hits ÷ all reads; NaN when there were none.</summary>
    public double HitRatio => Hits + Misses + Revalidations is var all and > 0 ? (double)Hits / all : double.NaN;

    public static NearCacheReads Between(HotDataNearCacheStatistics before, HotDataNearCacheStatistics after) =>
        new(after.Hits - before.Hits, after.Misses - before.Misses, after.Revalidations - before.Revalidations, after.Updates - before.Updates);
}
