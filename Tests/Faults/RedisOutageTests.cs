using System.Globalization;
using OrleansHotData.Grains;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// The durable redis-server is killed mid-ingest and restarted: API writes fail clearly meanwhile, no Kafka offset
/// is committed past state that Redis had made durable, and everything applies once it is back.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(12);

    [Fact]
    public async Task Redis_killed_mid_ingest_fails_api_writes_clearly_commits_nothing_undurable_and_loses_nothing()
    {
        var report = new FaultReport(output);
        await using var cluster = await FaultTestCluster.StartAsync(silos: 2);
        // HTTP writes, so the status and body an API client sees during the outage are checked too.
        var workload = cluster.NewWorkload(new MixedWorkloadOptions { ApiWriteTimeout = TimeSpan.FromSeconds(40) }, http: true);
        report.Phase("cluster started");

        IReadOnlyList<long> committed = [];
        IReadOnlyDictionary<string, HotDataState> durable = new Dictionary<string, HotDataState>();
        TimeSpan killedAt = default, restartedAt = default;
        long acknowledgedBeforeRestart = 0;
        await workload.RunWithAsync(TimeSpan.FromSeconds(28), async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(6));
            // Taken before the kill: writes start failing as the socket closes, before Kill() has seen the process exit.
            killedAt = workload.Counts.Elapsed;
            cluster.Redis.Kill();
            report.Phase($"redis-server killed after {workload.Counts.KafkaRecordsProduced} records");
            await Task.Delay(Outage);

            // Still down: whatever the group has committed by now must be covered by what Redis had made durable.
            committed = cluster.CommittedOffsets();
            await using (var durableCopy = await cluster.Redis.StartCopyAsync())
            {
                durable = await cluster.ReadStoredStatesAsync(durableCopy);
            }

            await cluster.Redis.RestartAsync();
            restartedAt = workload.Counts.Elapsed;
            acknowledgedBeforeRestart = workload.Counts.ApiWritesAcknowledged;
            report.Phase($"redis-server restarted; committed offsets {string.Join(",", committed)}; {durable.Count} keys were durable");
        });
        report.Phase("workload done");

        var violations = CommitsPastDurableState(workload.ProducedRecords, committed, durable, cluster.Topic);
        report.Line($"records below the commits checked against durable state: {violations.Checked}; committed but not durable: {violations.Lines.Count}");
        foreach (var line in violations.Lines.Take(10))
        {
            report.Line("  " + line);
        }

        var changelog = new WorkloadChangelog(workload, cluster.KafkaConfigs, cluster.Topic, report);
        var behind = await changelog.WaitForAcknowledgedChangesAsync(TimeSpan.FromSeconds(120));
        var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(120));
        report.Phase("converged");
        report.Outcome(workload, mismatches);
        var changelogProblems = await changelog.ProblemsAsync(cluster.Read, TimeSpan.FromSeconds(30));

        Assert.Empty(violations.Lines);
        Assert.True(violations.Checked > 0, "some records should have been committed before the outage");
        Assert.Empty(mismatches);
        Assert.Equal(0, workload.Counts.KafkaRecordsFailed);
        // The changelog got every change through the outage, by itself and in version order.
        Assert.Empty(behind);
        Assert.Empty(changelogProblems);

        // While Redis was down, API writes failed with a clear, retryable answer: a 503 problem, not a hang; none was refused.
        var failures = workload.ApiFailures;
        Assert.NotEmpty(failures);
        WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0.3);
        // Once Redis was back, writes were acknowledged again. How soon is a figure, printed, not asserted.
        Assert.True(workload.Counts.ApiWritesAcknowledged > acknowledgedBeforeRestart, "no API write was acknowledged after Redis restarted");
        var lastFailureSent = failures.Max(f => f.At);
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"the last failing write was sent {(lastFailureSent - restartedAt).TotalSeconds:0.0} s after the restart; {workload.Counts.ApiWritesAcknowledged - acknowledgedBeforeRestart} writes acknowledged after it"));
        Assert.All(failures, f =>
        {
            Assert.False(f.TimedOut, $"a write to {f.Key} hung: {f.Error}");
            Assert.StartsWith($"{nameof(HttpWriteException)}: HTTP 503 application/problem+json", f.Error, StringComparison.Ordinal);
            Assert.Contains("urn:orleanshotdata:problem:unavailable", f.Error, StringComparison.Ordinal);
            // Failed once Redis was gone.
            Assert.True(f.At + f.Latency >= killedAt, $"a write to {f.Key} failed at {f.At + f.Latency}, before Redis was killed at {killedAt}");
        });
    }

    /// <summary>Records below a partition's committed offset that change state but are not in the durable state of their key.</summary>
    private static (int Checked, List<string> Lines) CommitsPastDurableState(
        IReadOnlyList<ProducedRecord> records, IReadOnlyList<long> committed, IReadOnlyDictionary<string, HotDataState> durable, string topic)
    {
        var lines = new List<string>();
        var count = 0;
        foreach (var record in records.Where(r => r.ChangesState && r.Position.Offset < committed[r.Position.Partition]))
        {
            count++;
            var source = string.Create(CultureInfo.InvariantCulture, $"{topic}/{record.Position.Partition}");
            long? applied = durable.TryGetValue(record.Key, out var state) && state.SourceOffsets?.TryGetValue(source, out var offset) == true ? offset : null;
            if (applied is null || applied < record.Position.Offset)
            {
                lines.Add($"{record.Key}: record {record.Position.Partition}@{record.Position.Offset} is below the committed offset {committed[record.Position.Partition]}, but Redis held it only up to {applied?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}");
            }
        }

        return (count, lines);
    }
}
