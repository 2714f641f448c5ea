using System.Diagnostics;

namespace OrleansHotData.Tests.Faults;

/// <summary>The checks of <see cref="NearCacheSiloKillTests"/> on hand-made records.</summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class NearCacheAuditTests
{
    private static readonly string[] Keys = ["a", "b"];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_read_is_stale_only_when_a_newer_version_was_acknowledged_more_than_the_bound_before_it_started()
    {
        AcknowledgedWrite[] writes = [new(0, At(10), 1), new(0, At(11), 2), new(0, At(12), 3), new(1, At(10), 1)];
        NearCacheRead[] reads =
        [
            new(0, At(11.5), 1),  // version 2 acknowledged 0.5 s before: within the bound
            new(0, At(12.5), 1),  // version 2 acknowledged 1.5 s before: stale
            new(0, At(12.5), 2),  // version 3 acknowledged 0.5 s before: within the bound
            new(0, At(30), 3),    // nothing newer
            new(1, At(30), 1),    // nothing newer
        ];

        var audit = NearCacheAudit.Check([reads], writes, Keys, Bound, 0);

        Assert.Equal(5, audit.Reads);
        Assert.Equal(1, audit.StaleReads);
        Assert.Equal(1.5, audit.WorstStaleness.TotalSeconds, 3);
        Assert.Equal(0, audit.Regressions);
        Assert.Single(audit.Examples);
    }

    [Fact]
    public void Versions_going_back_count_per_reader_and_key()
    {
        AcknowledgedWrite[] writes = [new(0, At(1), 1), new(0, At(2), 2), new(1, At(1), 1)];
        NearCacheRead[] first = [new(0, At(2.1), 2), new(1, At(2.2), 1), new(0, At(2.3), 1), new(0, At(2.4), 1)];
        NearCacheRead[] second = [new(0, At(2.5), 1)];

        var audit = NearCacheAudit.Check([first, second], writes, Keys, Bound, 0);

        // Reader 0 went from 2 to 1 and stayed at 1: both reads of 1 are behind the 2 it had returned. Reader 1 read 1 first.
        Assert.Equal(2, audit.Regressions);
        Assert.Equal(0, audit.StaleReads);
    }

    private static long At(double seconds) => (long)(seconds * Stopwatch.Frequency);
}
