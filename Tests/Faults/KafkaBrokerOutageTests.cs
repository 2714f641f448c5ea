using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>Every Kafka broker goes down mid-ingest for ten seconds and comes back.</summary>
public sealed class KafkaBrokerOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Broker_down_for_ten_seconds_mid_ingest_loses_nothing_and_counts_every_increment_once()
    {
        var report = new FaultReport(output);
        await using var cluster = await FaultTestCluster.StartAsync(silos: 2);
        var workload = cluster.NewWorkload();
        report.Phase("cluster started");

        var before = workload.Counts;
        await workload.RunWithAsync(TimeSpan.FromSeconds(24), async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(6));
                before = workload.Counts;
                cluster.Kafka.SetBrokerDown(-1);
                report.Phase($"broker down after {before.KafkaRecordsProduced} records acknowledged");
                await Task.Delay(TimeSpan.FromSeconds(10));
            }
            finally
            {
                cluster.Kafka.SetBrokerUp(-1);
            }

            report.Phase("broker up");
        });

        report.Phase("workload done");

        var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(90));
        report.Phase("converged");
        report.Outcome(workload, mismatches);
        if (mismatches.Count > 0)
        {
            // Producers retry what was in flight when the broker went down: tell a record stored twice from one applied twice.
            var storedTwice = TopicAudit.FindStoredTwice(cluster.KafkaConfigs, cluster.Topic, FaultTestCluster.Partitions, TimeSpan.FromSeconds(30));
            report.Line(storedTwice.Count == 0 ? "broker log: no record stored twice" : $"broker log: {storedTwice.Count} records stored twice");
            foreach (var line in storedTwice.Take(20))
            {
                report.Line("  " + line);
            }
        }

        Assert.Empty(mismatches);
        var counts = workload.Counts;
        Assert.Equal(0, counts.KafkaRecordsFailed);
        // The API path does not touch Kafka: a broker outage must not fail API writes.
        Assert.Equal(0, counts.ApiWritesUnknown);
        Assert.True(counts.KafkaRecordsProduced > before.KafkaRecordsProduced, "records produced during the outage should be delivered after it");
    }
}
