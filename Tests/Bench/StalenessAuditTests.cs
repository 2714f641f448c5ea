using System.Diagnostics;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Tests.Bench;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class StalenessAuditTests
{
    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void A_read_missing_a_version_acknowledged_more_than_the_bound_before_it_started_is_stale()
    {
        var audit = new StalenessAudit(keys: 1, TimeSpan.FromSeconds(1));
        audit.Acknowledged(0, version: 1, at: 10 * Second);
        audit.Acknowledged(0, version: 2, at: 20 * Second);

        // Version 1 read 1.5 s after version 2 was acknowledged: 0.5 s past the bound.
        Assert.False(audit.Read(0, version: 1, startedAt: 21 * Second + Second / 2, previousVersion: 0));

        Assert.Equal(1, audit.StaleReads);
        Assert.Equal(1.5, audit.WorstLag.TotalSeconds, precision: 3);
    }

    [Fact]
    public void A_read_within_the_bound_or_of_the_newest_version_is_not_stale()
    {
        var audit = new StalenessAudit(keys: 1, TimeSpan.FromSeconds(1));
        audit.Acknowledged(0, version: 1, at: 10 * Second);
        audit.Acknowledged(0, version: 2, at: 20 * Second);

        Assert.True(audit.Read(0, version: 1, startedAt: 20 * Second + Second / 2, previousVersion: 0));
        Assert.True(audit.Read(0, version: 2, startedAt: 60 * Second, previousVersion: 1));
        // A version newer than any acknowledged one (a write not yet answered) is fine too.
        Assert.True(audit.Read(0, version: 3, startedAt: 60 * Second, previousVersion: 2));

        Assert.Equal(0, audit.StaleReads);
        Assert.Equal(0, audit.BackwardReads);
        Assert.Equal(3, audit.Reads);
    }

    [Fact]
    public void A_read_below_the_version_its_reader_already_read_goes_back()
    {
        var audit = new StalenessAudit(keys: 2, TimeSpan.FromSeconds(1));

        Assert.False(audit.Read(1, version: 4, startedAt: Second, previousVersion: 5));

        Assert.Equal(1, audit.BackwardReads);
        Assert.Equal(0, audit.StaleReads);
    }

    [Fact]
    public void Acknowledgements_out_of_version_order_are_ignored()
    {
        var audit = new StalenessAudit(keys: 1, TimeSpan.FromSeconds(1));
        audit.Acknowledged(0, version: 5, at: 10 * Second);
        audit.Acknowledged(0, version: 3, at: 11 * Second);

        // Version 4 misses version 5, acknowledged at 10 s.
        Assert.False(audit.Read(0, version: 4, startedAt: 12 * Second, previousVersion: 0));
        Assert.Equal(2, audit.WorstLag.TotalSeconds, precision: 3);
    }
}
