using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A silo process is killed with SIGKILL in the middle of a mixed workload: its partitions and keys move to the two
/// survivors, and the cluster ends in the state of the sequential model.
/// </summary>
[Collection(ProcessClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class SiloKillTests(ProcessClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Silo_killed_mid_ingest_loses_nothing_and_applies_nothing_twice()
    {
        var report = new FaultReport(output);
        var topic = fixture.CreateTopicWithDeadLetters("kill");
        await using var cluster = await fixture.StartClusterAsync(topic, silos: 3, output);
        await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(30));
        report.Phase($"3 silo processes started; {cluster.DescribeOwnership()}");

        var workload = cluster.NewWorkload();
        // The probes read through whichever silo is first among the members; the victim is never first.
        await using var probes = new PartitionProbes(fixture, topic, cluster.ClusterId, () => cluster.Silos is [var first, ..] ? first.HttpUrl : null);
        probes.Start();
        var before = workload.Counts;
        var victimName = "";
        await workload.RunWithAsync(TimeSpan.FromSeconds(25), async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(8));

            // The silo reading the most partitions dies, with records and API writes in flight.
            var victim = cluster.Silos.Skip(1).MaxBy(s => cluster.PartitionsReadBy(s).Count)!;
            victimName = victim.Name;
            var orphaned = cluster.PartitionsReadBy(victim);
            before = workload.Counts;
            var killedAt = probes.Now;
            cluster.Kill(victim);
            report.Phase($"{victim.Name} killed, reading partitions [{string.Join(",", orphaned)}], after {before.KafkaRecordsProduced} records and {before.ApiWritesAcknowledged} API writes");

            await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(60));
            report.Phase($"partitions reassigned: {cluster.DescribeOwnership()}");
            await probes.WaitUntilCurrentAsync(TimeSpan.FromSeconds(60));
            var recovery = probes.RecoveryAfter(killedAt);
            report.Line($"recovery after the kill, per partition: {PartitionProbes.Format(recovery)}");
            report.Line($"recovery of the killed silo's partitions: {PartitionProbes.Format(recovery, orphaned)}");
            report.Line($"slowest partition: {recovery.Max()!.Value.TotalSeconds:0.00} s (target under 10 s); {probes.Failures}");
        });
        report.Phase("workload done");
        // Before any read activates a key, the changelog holds every acknowledged change: the killed silo's unsent ones too.
        var changelog = new WorkloadChangelog(workload, fixture.KafkaConfigs, topic, report);
        var behind = await changelog.WaitForAcknowledgedChangesAsync(TimeSpan.FromSeconds(90));
        foreach (var recovery in cluster.ChangelogRecoveries())
        {
            report.Line("  " + recovery);
        }

        var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(90));
        report.Phase("compared with the model");
        report.Outcome(workload, mismatches);

        Assert.Empty(mismatches);
        Assert.Empty(behind);
        Assert.Empty(await changelog.ProblemsAsync(cluster.Read, TimeSpan.FromSeconds(30)));
        var counts = workload.Counts;
        Assert.Equal(0, counts.KafkaRecordsFailed);
        // Only writes in flight to the killed silo may go unanswered; none is refused.
        WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0.8);
        Assert.True(counts.KafkaRecordsProduced > before.KafkaRecordsProduced, "records should have been produced after the kill");
        Assert.DoesNotContain(cluster.Silos, s => s.HasExited);
        // Failure detection declared the killed silo dead, and no other (no false positive under this load).
        Assert.Equal([victimName], cluster.DeclaredDead().Order());
        // The new owners of the dead silo's partitions commit past everything the dead silo had read and not committed.
        await probes.DisposeAsync();
        await cluster.WaitForCommitsAtEndAsync(TimeSpan.FromSeconds(30));
        report.Phase("every partition committed to its end");
    }
}
