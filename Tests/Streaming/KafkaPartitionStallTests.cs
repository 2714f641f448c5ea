using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Streaming.Kafka;
using OrleansHotData.Silo.Health;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
public sealed class KafkaPartitionStallTests(KafkaStreamClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_partition_held_by_a_record_that_keeps_failing_reports_stalled_with_offset_and_key_then_recovers()
    {
        var topic = fixture.Kafka.CreateTopic("stall", 1);
        var groupId = EmbeddedKafkaFixture.UniqueTopicName("stall-group");
        var partition = new TopicPartition(topic, new Partition(0));
        var switchName = Guid.NewGuid().ToString("N");
        var failingValue = KafkaRecordFailureSwitch.TurnOn(switchName);
        // As the silo runs: deliveries are retried forever, so the failing record holds its partition.
        var cluster = await KafkaStreamTestCluster.StartAsync(
            fixture.Kafka.BootstrapServers, groupId, topic, partitions: 1, silos: 1,
            agent => agent.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan,
            kafka => kafka.StallTimeout = TimeSpan.FromSeconds(2),
            streams => streams.ConfigureBackoffProvider((_, _) => new FixedDeliveryBackoff(TimeSpan.FromMilliseconds(200))));
        try
        {
            long stuckOffset;
            using (var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build())
            {
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "before", Value = "ok-0" });
                stuckOffset = (await producer.ProduceAsync(partition, new Message<string, string> { Key = "stuck-key", Value = failingValue })).Offset.Value;
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "after", Value = "ok-1" });
            }

            var diagnostics = cluster.GetActiveSilos().Single().ServiceProvider
                .GetRequiredKeyedService<KafkaStreamDiagnostics>(KafkaStreamTestConstants.ProviderName);
            KafkaPartitionStatus Status() => diagnostics.GetActivePartitions().Single(p => p.Topic == topic);
            var health = new KafkaReceiversHealthCheck(diagnostics);

            // Other keys of the partition move on; the partition's watermark stays at the failing record.
            await Eventually.HoldsAsync(
                () => KafkaRecordJournal.Received(topic, "after").Count == 1 && Status().IsStalled,
                Deadline,
                () => $"{KafkaRecordJournal.Received(topic).Count} records delivered; {Status()}");
            var stalled = Status();
            Assert.Equal(stuckOffset, stalled.StalledOffset);
            Assert.Equal("stuck-key", stalled.StalledKey);
            Assert.NotNull(stalled.StalledSince);

            var report = await health.CheckHealthAsync(new HealthCheckContext());
            Assert.Equal(HealthStatus.Degraded, report.Status);
            Assert.Contains($"{topic}[0]@{stuckOffset}", report.Description, StringComparison.Ordinal);
            Assert.Contains("'stuck-key'", report.Description, StringComparison.Ordinal);
            Assert.Equal(1, KafkaStreamMetrics.Stalled(topic, 0));

            // The failure heals (the store is back): the record is delivered on its next attempt, the partition moves on.
            KafkaRecordFailureSwitch.TurnOff(switchName);
            await Eventually.HoldsAsync(
                () => KafkaRecordJournal.Received(topic, "stuck-key").Count == 1 && !Status().IsStalled,
                Deadline,
                () => $"{KafkaRecordJournal.Received(topic, "stuck-key").Count} deliveries of the failing record; {Status()}");
            Assert.Null(Status().StalledOffset);
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
            Assert.Equal(0, KafkaStreamMetrics.Stalled(topic, 0));
        }
        finally
        {
            KafkaRecordFailureSwitch.TurnOff(switchName);
            await KafkaStreamTestCluster.StopAsync(cluster);
        }
    }
}
