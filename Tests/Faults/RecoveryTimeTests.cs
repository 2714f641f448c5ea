using System.Globalization;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// How long the partitions of a killed silo stall, with the default membership settings: the time to declare the
/// silo dead plus the time for a survivor to take its partitions over and apply their records again. Measured twice
/// on a cluster that has run for a while (as a production cluster has), and printed; the test asserts only that every
/// partition does resume on a survivor.
/// </summary>
[Collection(ProcessClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class RecoveryTimeTests(ProcessClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan SteadyState = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Partitions_of_a_killed_silo_resume_on_the_survivors_and_the_stall_is_reported()
    {
        var report = new FaultReport(output);
        var topic = fixture.CreateTopicWithDeadLetters("recovery");
        await using var cluster = await fixture.StartClusterAsync(topic, silos: 3, output);
        await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(30));
        await using var probes = new PartitionProbes(fixture, topic, cluster.ClusterId, () => cluster.Silos is [var first, ..] ? first.HttpUrl : null);
        probes.Start();
        await probes.WaitUntilCurrentAsync(TimeSpan.FromSeconds(30));
        report.Phase($"3 silo processes started; {cluster.DescribeOwnership()}");

        var slowest = new List<TimeSpan>();
        var killed = new HashSet<string>();
        for (var round = 1; round <= 2; round++)
        {
            // Steady state first: the failure detector learns the round-trip times, as in a cluster that has run a while.
            var steadyFrom = probes.Now;
            await Task.Delay(SteadyState);
            report.Line($"round {round}: longest stall in {SteadyState.TotalSeconds:0} s of steady state: {probes.LongestStall(steadyFrom, probes.Now).Max().TotalSeconds:0.00} s");

            var victim = cluster.Silos.Skip(1).MaxBy(s => cluster.PartitionsReadBy(s).Count)!;
            var orphaned = cluster.PartitionsReadBy(victim);
            var killedAt = probes.Now;
            var killedAtClock = TimeOnly.FromDateTime(DateTime.Now);
            cluster.Kill(victim);
            killed.Add(victim.Name);
            report.Phase($"round {round}: {victim.Name} killed, reading partitions [{string.Join(",", orphaned)}]");

            await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(60));
            var reassigned = probes.Now - killedAt;
            await probes.WaitUntilCurrentAsync(TimeSpan.FromSeconds(60));
            var recovery = probes.RecoveryAfter(killedAt);
            var declared = cluster.DeathDeclaredAt(victim) is { } at ? (at - killedAtClock).TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture) : "not reported by any member";
            report.Line($"round {round}: declared dead after {declared}; every partition read again after {reassigned.TotalSeconds:0.00} s; {cluster.DescribeOwnership()}");
            report.Line($"round {round}: records applied again after: {PartitionProbes.Format(recovery)}");
            var orphanedRecovery = recovery.Where((_, p) => orphaned.Contains(p)).Select(t => t!.Value).DefaultIfEmpty().Max();
            slowest.Add(orphanedRecovery);
            report.Line($"round {round}: the killed silo's partitions resumed after at most {orphanedRecovery.TotalSeconds:0.00} s (target under 10 s)");

            Assert.All(recovery, t => Assert.NotNull(t));
            Assert.All(orphaned, p => Assert.Contains(cluster.Silos, s => cluster.PartitionsReadBy(s).Contains(p)));

            if (round == 1)
            {
                await cluster.StartSiloAsync();
                await cluster.WaitForEveryPartitionReadOnceAsync(TimeSpan.FromSeconds(60));
                await probes.WaitUntilCurrentAsync(TimeSpan.FromSeconds(30));
                report.Phase($"replacement started; {cluster.DescribeOwnership()}");
            }
        }

        report.Line($"recovery after a kill (slowest partition of the killed silo): {string.Join(", ", slowest.Select(t => t.TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture)))}; {probes.Failures}");
        Assert.DoesNotContain(cluster.Silos, s => s.HasExited);
        // Exactly the killed silos were declared dead: no false positive of failure detection.
        Assert.Equal(killed.Order(), cluster.DeclaredDead().Order());
    }
}
