using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Streaming.Kafka;
using OrleansHotData.Silo.Health;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
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

    [Fact]
    public async Task A_record_whose_dead_letter_cannot_be_written_stalls_its_partition_and_each_failure_is_counted()
    {
        // A broker of its own: every produce request to it fails from here on, which only the silo's dead letters send.
        using var kafka = new EmbeddedKafkaFixture();
        var topic = kafka.Cluster.CreateTopicWithDeadLetters("dlq-stall", 1);
        var groupId = EmbeddedKafkaFixture.UniqueTopicName("dlq-stall-group");
        long keylessOffset;
        using (var producer = new ProducerBuilder<byte[]?, string>(kafka.ProducerConfig()).Build())
        {
            // No key: the receiver must dead-letter it before the partition can commit past it.
            keylessOffset = (await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, string> { Key = null, Value = "{}" })).Offset.Value;
        }

        kafka.Cluster.PushRequestErrors(0, [.. Enumerable.Repeat(Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 100_000)]);
        var failures = await KafkaStreamMetrics.CountAsync("orleans.streaming.kafka.dead_letter_failures", topic, async () =>
        {
            var cluster = await KafkaStreamTestCluster.StartAsync(
                kafka.BootstrapServers, groupId, topic, partitions: 1, silos: 1,
                configureKafka: options => options.StallTimeout = TimeSpan.FromSeconds(2));
            try
            {
                var diagnostics = cluster.GetActiveSilos().Single().ServiceProvider
                    .GetRequiredKeyedService<KafkaStreamDiagnostics>(KafkaStreamTestConstants.ProviderName);
                KafkaPartitionStatus? Status() => diagnostics.GetActivePartitions().SingleOrDefault(p => p.Topic == topic);
                await Eventually.HoldsAsync(() => Status() is { IsStalled: true }, Deadline, () => $"{Status()}");

                var stalled = Status()!;
                Assert.Equal(keylessOffset, stalled.StalledOffset);
                Assert.Null(stalled.StalledKey);
                Assert.Equal(1, stalled.PendingRecords);
                var report = await new KafkaReceiversHealthCheck(diagnostics).CheckHealthAsync(new HealthCheckContext());
                Assert.Equal(HealthStatus.Degraded, report.Status);
                Assert.Contains($"{topic}[0]@{keylessOffset} key unknown", report.Description, StringComparison.Ordinal);
            }
            finally
            {
                await KafkaStreamTestCluster.StopAsync(cluster);
            }
        });

        Assert.True(failures >= 1, $"{failures} failed dead-letter writes counted");
    }
}
