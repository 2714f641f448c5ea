using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streaming.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaStreamDeliveryFailureTests(KafkaStreamClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_record_whose_delivery_failed_holds_the_committed_offset_while_later_records_arrive()
    {
        var topic = fixture.Kafka.CreateTopic("poison", 1);
        var groupId = EmbeddedKafkaFixture.UniqueTopicName("poison-group");
        var partition = new TopicPartition(topic, new Partition(0));
        var cluster = await KafkaStreamTestCluster.StartAsync(
            fixture.Kafka.BootstrapServers, groupId, topic, partitions: 1, silos: 1,
            agent => agent.MaxEventDeliveryTime = TimeSpan.FromSeconds(2));
        long poisonOffset;
        try
        {
            using (var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build())
            {
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "failing", Value = "ok-0" });
                poisonOffset = (await producer.ProduceAsync(partition, new Message<string, string> { Key = "failing", Value = KafkaRecordCollectorGrain.PoisonValue })).Offset.Value;
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "failing", Value = "ok-1" });
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "healthy", Value = "ok-2" });
            }

            // Orleans gives up on the poison record after MaxEventDeliveryTime and moves on.
            await Eventually.HoldsAsync(
                () => KafkaRecordJournal.Received(topic).Count >= 3,
                Deadline,
                () => $"{KafkaRecordJournal.Received(topic).Count} of 3 good records arrived");
            Assert.Equal(["ok-0", "ok-1"], KafkaRecordJournal.Received(topic, "failing").Select(r => r.GetValueAsString()));

            var diagnostics = cluster.GetActiveSilos().Single().ServiceProvider
                .GetRequiredKeyedService<KafkaStreamDiagnostics>(KafkaStreamTestConstants.ProviderName);
            await Eventually.HoldsAsync(
                () => diagnostics.GetActivePartitions().SingleOrDefault(p => p.Topic == topic) is { CommittedOffset: { } committed, NextOffset: 4 } && committed == poisonOffset,
                Deadline,
                () => string.Join(", ", diagnostics.GetActivePartitions().Where(p => p.Topic == topic)));
            Assert.True(diagnostics.GetActivePartitions().Single(p => p.Topic == topic).PendingRecords >= 1);
        }
        finally
        {
            await KafkaStreamTestCluster.StopAsync(cluster);
        }

        // Not even the final commit on shutdown moves past the record that was never delivered.
        using var reader = new ConsumerBuilder<byte[], byte[]>(fixture.Kafka.ConsumerConfig(groupId)).Build();
        var stored = reader.Committed([partition], TimeSpan.FromSeconds(10)).Single();
        Assert.Equal(poisonOffset, stored.Offset.Value);
    }

    [Fact]
    public async Task Applications_can_dead_letter_a_record_through_the_provider()
    {
        var silo = fixture.Cluster.GetActiveSilos().First();
        var publisher = silo.ServiceProvider.GetRequiredKeyedService<IKafkaDeadLetterPublisher>(KafkaStreamTestConstants.ProviderName);
        var key = $"bad-json-{Guid.NewGuid():N}";
        var record = new KafkaRecord
        {
            Topic = fixture.Topic,
            Partition = 2,
            Offset = 1234,
            Key = key,
            Value = "{not json"u8.ToArray(),
            Headers = [new KafkaHeader("op", "set"u8.ToArray()), new KafkaHeader("op", "patch"u8.ToArray())],
            Timestamp = DateTimeOffset.UtcNow,
        };
        var before = publisher.DeadLetteredCount;

        await publisher.PublishAsync(record, "invalid-json", CancellationToken.None);

        Assert.Equal(before + 1, publisher.DeadLetteredCount);
        using var consumer = new ConsumerBuilder<string, byte[]>(fixture.Kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("dlq-app-reader"))).Build();
        consumer.Assign(new TopicPartitionOffset(fixture.DeadLetterTopic, 0, Offset.Beginning));
        ConsumeResult<string, byte[]>? found = null;
        var deadline = DateTime.UtcNow + Deadline;
        while (found is null && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result && result.Message.Key == key)
            {
                found = result;
            }
        }

        Assert.NotNull(found);
        Assert.Equal("{not json", System.Text.Encoding.UTF8.GetString(found.Message.Value));
        var headers = found.Message.Headers.Select(h => (h.Key, System.Text.Encoding.UTF8.GetString(h.GetValueBytes()))).ToList();
        Assert.Equal(
            [("op", "set"), ("op", "patch"), (KafkaDeadLetterHeaders.Reason, "invalid-json"), (KafkaDeadLetterHeaders.SourceTopic, fixture.Topic),
             (KafkaDeadLetterHeaders.SourcePartition, "2"), (KafkaDeadLetterHeaders.SourceOffset, "1234")],
            headers);
    }
}
