using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>Every Kafka broker goes down mid-ingest for ten seconds and comes back.</summary>
[Trait(TestCategory.Name, TestCategory.Faults)]
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

        // librdkafka's mock broker stores a batch again when the idempotent producer retries one that the broker
        // stored but did not answer before it went down (it checks sequence numbers for transactional producers only).
        // Each copy is a record of its own that the system must apply once: expect what the broker holds.
        var log = TopicAudit.ReadWorkloadRecords(cluster.KafkaConfigs, cluster.Topic, FaultTestCluster.Partitions, TimeSpan.FromSeconds(60));
        var storedTwice = TopicAudit.DescribeStoredTwice(log);
        report.Line(storedTwice.Count == 0
            ? $"broker log: {log.Count} records, none stored twice"
            : $"broker log: {log.Count} records, {storedTwice.Count} stored twice by the broker (producer retries it did not recognise)");
        var expectationsChanged = workload.ExpectWhatTheBrokerStored(log);
        foreach (var line in storedTwice.Take(20).Concat(expectationsChanged.Take(20)))
        {
            report.Line("  " + line);
        }

        var changelog = new WorkloadChangelog(workload, cluster.KafkaConfigs, cluster.Topic, report);
        var behind = await changelog.WaitForAcknowledgedChangesAsync(TimeSpan.FromSeconds(90));
        var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(90));
        report.Phase("converged");
        report.Outcome(workload, mismatches);
        Assert.Empty(mismatches);
        // The changelog's records refused or unanswered during the outage were sent again: none missing, in version order.
        Assert.Empty(behind);
        Assert.Empty(await changelog.ProblemsAsync(cluster.Read, TimeSpan.FromSeconds(30)));
        var counts = workload.Counts;
        Assert.Equal(0, counts.KafkaRecordsFailed);
        // The API path does not touch Kafka: a broker outage must not fail API writes.
        Assert.Equal(0, counts.ApiWritesUnknown);
        // The API does not need the broker: every write was acknowledged.
        WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 1);
        Assert.True(counts.KafkaRecordsProduced > before.KafkaRecordsProduced, "records produced during the outage should be delivered after it");
    }

    [Fact]
    public async Task A_batch_the_broker_stores_twice_on_a_producer_retry_is_applied_twice_and_the_log_replay_expects_exactly_that()
    {
        var report = new FaultReport(output);
        await using var cluster = await FaultTestCluster.StartAsync(silos: 1);
        var workload = cluster.NewWorkload(new MixedWorkloadOptions { ApiWritesPerSecond = 0 });
        await workload.RunAsync(kafkaRecords: 200);
        report.Phase("cluster started, 200 records produced");

        // The broker stores each produce request at once but answers only after the round trip time; going down in
        // between loses the answers, so the idempotent producer retries batches the broker already holds.
        IReadOnlyList<StoredRecord> log = [];
        IReadOnlyList<string> storedTwice = [];
        for (var attempt = 1; attempt <= 5 && storedTwice.Count == 0; attempt++)
        {
            cluster.Kafka.SetBrokerRoundTripTime(1, 5000);
            var run = workload.RunAsync(kafkaRecords: 20);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                cluster.Kafka.SetBrokerDown(-1);
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
            finally
            {
                cluster.Kafka.SetBrokerRoundTripTime(1, 0);
                cluster.Kafka.SetBrokerUp(-1);
            }

            await run;
            log = TopicAudit.ReadWorkloadRecords(cluster.KafkaConfigs, cluster.Topic, FaultTestCluster.Partitions, TimeSpan.FromSeconds(60));
            storedTwice = TopicAudit.DescribeStoredTwice(log);
            report.Phase($"attempt {attempt}: {storedTwice.Count} records stored twice");
        }

        Assert.NotEmpty(storedTwice);
        var expectationsChanged = workload.ExpectWhatTheBrokerStored(log);
        foreach (var line in storedTwice.Take(20).Concat(expectationsChanged.Take(20)))
        {
            report.Line("  " + line);
        }

        Assert.NotEmpty(expectationsChanged);
        var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(90));
        report.Outcome(workload, mismatches);
        Assert.Empty(mismatches);
        Assert.Equal(0, workload.Counts.KafkaRecordsFailed);
    }
}
