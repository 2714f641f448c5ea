using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Every silo process is replaced, one at a time, as a rolling deployment does — SIGTERM, wait for the exit, start a
/// replacement, wait until it serves — while the mixed workload runs; the cluster ends in the state of the model.
/// </summary>
[Collection(ProcessClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class RollingRestartTests(ProcessClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Rolling_restart_of_every_silo_mid_ingest_loses_nothing_and_applies_nothing_twice()
    {
        var report = new FaultReport(output);
        var topic = fixture.CreateTopicWithDeadLetters("rolling");
        await using var cluster = await fixture.StartClusterAsync(topic, silos: 3, output);
        await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(30));
        report.Phase($"3 silo processes started; {cluster.DescribeOwnership()}");

        var workload = cluster.NewWorkload();
        await using var probes = new PartitionProbes(fixture, topic, cluster.ClusterId, () => cluster.Silos is [.., var last] ? last.HttpUrl : null);
        probes.Start();
        await workload.RunAsync(TimeSpan.FromSeconds(5));
        var rollStartedAt = probes.Now;

        var original = cluster.Silos;
        var roll = Task.Run(async () =>
        {
            foreach (var silo in original)
            {
                var stopTime = await cluster.StopAsync(silo);
                var replacement = await cluster.StartSiloAsync();
                report.Phase($"{silo.Name} stopped in {stopTime.TotalSeconds:0.0} s and replaced by {replacement.Name}");
            }
        });
        // The workload runs on through the whole roll, in one-second stretches until the roll is done.
        while (!roll.IsCompleted)
        {
            await workload.RunAsync(TimeSpan.FromSeconds(1));
        }

        await roll;
        var rollEndedAt = probes.Now;
        await workload.RunAsync(TimeSpan.FromSeconds(3));
        report.Phase($"roll done; {cluster.DescribeOwnership()}");

        await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(60));
        await probes.WaitUntilCurrentAsync(TimeSpan.FromSeconds(60));
        report.Line($"longest ingestion stall per partition during the roll: {PartitionProbes.Format(probes.LongestStall(rollStartedAt, rollEndedAt).Select(t => (TimeSpan?)t))}; {probes.Failures}");

        var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(90));
        report.Phase("compared with the model");
        report.Outcome(workload, mismatches);

        Assert.Empty(mismatches);
        Assert.Equal(0, workload.Counts.KafkaRecordsFailed);
        // Only writes in flight to a stopping silo may go unanswered; none is refused.
        WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0.8);
        Assert.DoesNotContain(original, cluster.Silos.Contains);
        Assert.DoesNotContain(cluster.Silos, s => s.HasExited);
        // Stopped silos leave the cluster; none is declared dead (no false positive of failure detection).
        Assert.Empty(cluster.DeclaredDead());
        await probes.DisposeAsync();
        await cluster.WaitForCommitsAtEndAsync(TimeSpan.FromSeconds(30));
        report.Phase("every partition committed to its end");
    }
}
