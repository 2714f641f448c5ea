using OrleansHotData.Benchmarks.Workloads;
using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Tests.Bench;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class NearCacheReadsTests
{
    [Fact]
    public void The_hit_ratio_counts_only_the_reads_between_the_two_readings()
    {
        var before = new HotDataNearCacheStatistics(Hits: 100, Misses: 50, Revalidations: 10, Invalidations: 0, Evictions: 0, Updates: 0, Entries: 50, Bytes: 0);
        var after = new HotDataNearCacheStatistics(Hits: 1_090, Misses: 55, Revalidations: 15, Invalidations: 1, Evictions: 0, Updates: 7, Entries: 55, Bytes: 0);

        var reads = NearCacheReads.Between(before, after);

        Assert.Equal(new NearCacheReads(990, 5, 5, 7), reads);
        Assert.Equal(0.99, reads.HitRatio, precision: 10);
    }

    [Fact]
    public void No_reads_have_no_hit_ratio()
    {
        var statistics = new HotDataNearCacheStatistics(1, 1, 1, 0, 0, 0, 1, 0);

        Assert.True(double.IsNaN(NearCacheReads.Between(statistics, statistics).HitRatio));
    }
}
