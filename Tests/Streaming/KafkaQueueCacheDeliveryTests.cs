using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streaming.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// The partition cache in a running silo, delivering several records of a key at once as the hot-data silo does
/// (<c>BatchContainerBatchSize</c> 64): a delivery held open holds the partition's commit, and does not hold the other
/// keys of its partition.
/// </summary>
[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaQueueCacheDeliveryTests(KafkaStreamClusterFixture fixture)
{
    private const int DeliveryBatchSize = 64;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_delivery_held_open_holds_the_partition_commit_below_its_records_until_it_returns()
    {
        var topic = fixture.Kafka.CreateTopic("held-commit", 1);
        var groupId = EmbeddedKafkaFixture.UniqueTopicName("held-commit-group");
        var partition = new TopicPartition(topic, new Partition(0));
        var gate = Guid.NewGuid().ToString("N");
        var heldValue = KafkaDeliveryGate.Close(gate);
        var cluster = await StartAsync(groupId, topic, cacheSize: 4096);
        try
        {
            long heldOffset;
            long end;
            using (var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build())
            {
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "before", Value = "ok" });
                // Two records of the held key: the agent hands both to its grain in one delivery, so the cursor is past
                // both while the first one's delivery is still open.
                heldOffset = (await producer.ProduceAsync(partition, new Message<string, string> { Key = "held", Value = heldValue })).Offset.Value;
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "held", Value = "ok" });
                for (var i = 0; i < 20; i++)
                {
                    await producer.ProduceAsync(partition, new Message<string, string> { Key = $"other-{i % 5}", Value = "ok" });
                }

                end = (await producer.ProduceAsync(partition, new Message<string, string> { Key = "after", Value = "ok" })).Offset.Value + 1;
            }

            var diagnostics = cluster.GetActiveSilos().Single().ServiceProvider
                .GetRequiredKeyedService<KafkaStreamDiagnostics>(KafkaStreamTestConstants.ProviderName);
            KafkaPartitionStatus? Status() => diagnostics.GetActivePartitions().SingleOrDefault(p => p.Topic == topic);

            // Everything else is delivered and reported, and the receiver has committed what it may: up to the held record.
            await Eventually.HoldsAsync(
                () => KafkaDeliveryGate.IsWaiting(gate)
                    && KafkaRecordJournal.Received(topic, "after").Count == 1
                    && Status() is { PendingRecords: 2, CommittedOffset: { } committed } && committed == heldOffset,
                Deadline,
                () => $"held delivery waiting: {KafkaDeliveryGate.IsWaiting(gate)}; {KafkaRecordJournal.Received(topic).Count} records delivered; {Status()}");
            using var reader = new ConsumerBuilder<byte[], byte[]>(fixture.Kafka.ConsumerConfig(groupId)).Build();
            Assert.Equal(heldOffset, CommittedOffset(reader, partition));
            Assert.Empty(KafkaRecordJournal.Received(topic, "held"));

            // The delivery returns: both held records are applied and the commit reaches the end of the partition.
            KafkaDeliveryGate.Open(gate);
            long brokerCommitted = -1;
            await Eventually.HoldsAsync(
                () => (brokerCommitted = CommittedOffset(reader, partition)) == end,
                Deadline,
                () => $"committed {brokerCommitted}, end {end}; {Status()}");
            Assert.Equal(2, KafkaRecordJournal.Received(topic, "held").Count);
        }
        finally
        {
            KafkaDeliveryGate.Open(gate);
            await KafkaStreamTestCluster.StopAsync(cluster);
        }
    }

    [Fact]
    public async Task One_held_key_does_not_keep_the_many_records_of_other_keys_behind_it_in_its_partition_from_being_applied()
    {
        var topic = fixture.Kafka.CreateTopic("held-key", 1);
        var groupId = EmbeddedKafkaFixture.UniqueTopicName("held-key-group");
        var partition = new TopicPartition(topic, new Partition(0));
        var gate = Guid.NewGuid().ToString("N");
        var heldValue = KafkaDeliveryGate.Close(gate);
        // A cache far smaller than what queues behind the held key: only the held key's own records may stay in it.
        const int CacheSize = 32;
        const int Others = 2_000;
        var cluster = await StartAsync(groupId, topic, CacheSize);
        try
        {
            using (var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build())
            {
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "held", Value = heldValue });
                for (var i = 0; i < Others; i++)
                {
                    producer.Produce(partition, new Message<string, string> { Key = $"other-{i % 100}", Value = "ok" });
                }

                producer.Flush(TimeSpan.FromSeconds(30));
            }

            await Eventually.HoldsAsync(
                () => KafkaDeliveryGate.IsWaiting(gate) && KafkaRecordJournal.Received(topic).Select(r => r.Record.Offset).Distinct().Count() == Others,
                Deadline,
                () => $"held delivery waiting: {KafkaDeliveryGate.IsWaiting(gate)}; {KafkaRecordJournal.Received(topic).Count} of {Others} other records applied");
            Assert.Empty(KafkaRecordJournal.Received(topic, "held"));

            KafkaDeliveryGate.Open(gate);
            await Eventually.HoldsAsync(
                () => KafkaRecordJournal.Received(topic, "held").Count == 1,
                Deadline,
                () => $"{KafkaRecordJournal.Received(topic, "held").Count} held records applied");
        }
        finally
        {
            KafkaDeliveryGate.Open(gate);
            await KafkaStreamTestCluster.StopAsync(cluster);
        }
    }

    private Task<Orleans.TestingHost.InProcessTestCluster> StartAsync(string groupId, string topic, int cacheSize) =>
        KafkaStreamTestCluster.StartAsync(
            fixture.Kafka.BootstrapServers, groupId, topic, partitions: 1, silos: 1,
            agent =>
            {
                agent.BatchContainerBatchSize = DeliveryBatchSize;
                agent.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan;
            },
            configureStreams: streams => streams.ConfigureCache(cacheSize));

    private static long CommittedOffset(IConsumer<byte[], byte[]> reader, TopicPartition partition) =>
        reader.Committed([partition], TimeSpan.FromSeconds(10)).Single().Offset.Value;
}
