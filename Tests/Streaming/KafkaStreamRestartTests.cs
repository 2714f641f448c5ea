using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaStreamRestartTests(KafkaStreamClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_new_cluster_with_the_same_group_does_not_redeliver_committed_records()
    {
        const int partitions = 4;
        var topic = fixture.Kafka.CreateTopic("restart", partitions);
        var groupId = EmbeddedKafkaFixture.UniqueTopicName("restart-group");
        var keys = Enumerable.Range(0, 8).Select(i => $"restart-{i}").ToList();

        var first = await KafkaStreamTestCluster.StartAsync(fixture.Kafka.BootstrapServers, groupId, topic, partitions, silos: 2);
        List<DeliveryResult<string, string>> firstRecords;
        try
        {
            firstRecords = await ProduceAsync(topic, keys, "first");
            await Eventually.HoldsAsync(
                () => KafkaRecordJournal.Received(topic).Count >= firstRecords.Count,
                Deadline,
                () => $"{KafkaRecordJournal.Received(topic).Count} of {firstRecords.Count} records arrived");
            await WaitForCommittedEndAsync(topic, groupId, partitions);
        }
        finally
        {
            await KafkaStreamTestCluster.StopAsync(first);
        }

        KafkaRecordJournal.Clear(topic);
        var secondRecords = await ProduceAsync(topic, keys, "second");
        var second = await KafkaStreamTestCluster.StartAsync(fixture.Kafka.BootstrapServers, groupId, topic, partitions, silos: 1);
        try
        {
            // Records arrive in partition order, so once every new record has arrived, any redelivered old one
            // (which precedes them in its partition) would have arrived too.
            var expected = secondRecords.Select(r => (r.Partition.Value, r.Offset.Value)).ToHashSet();
            await Eventually.HoldsAsync(
                () => expected.IsSubsetOf(KafkaRecordJournal.Received(topic).Select(r => (r.Record.Partition, r.Record.Offset))),
                Deadline,
                () => $"{KafkaRecordJournal.Received(topic).Count} records arrived, {expected.Count} new ones expected");

            var redelivered = KafkaRecordJournal.Received(topic)
                .Where(r => firstRecords.Any(f => f.Partition.Value == r.Record.Partition && f.Offset.Value == r.Record.Offset))
                .ToList();
            Assert.Empty(redelivered);
            Assert.All(KafkaRecordJournal.Received(topic), r => Assert.StartsWith("second", r.Record.GetValueAsString(), StringComparison.Ordinal));
        }
        finally
        {
            await KafkaStreamTestCluster.StopAsync(second);
        }
    }

    private async Task<List<DeliveryResult<string, string>>> ProduceAsync(string topic, IEnumerable<string> keys, string generation)
    {
        using var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build();
        var results = new List<DeliveryResult<string, string>>();
        foreach (var key in keys)
        {
            for (var n = 0; n < 3; n++)
            {
                results.Add(await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = $"{generation}-{n}" }));
            }
        }

        return results;
    }

    private async Task WaitForCommittedEndAsync(string topic, string groupId, int partitions)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(fixture.Kafka.ConsumerConfig(groupId)).Build();
        var all = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, new Partition(p))).ToList();
        var ends = all.ToDictionary(tp => tp, tp => reader.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
        var committed = new Dictionary<TopicPartition, long>();
        await Eventually.HoldsAsync(
            () =>
            {
                committed = reader.Committed(all, TimeSpan.FromSeconds(10)).ToDictionary(tpo => tpo.TopicPartition, tpo => tpo.Offset.Value);
                return all.All(tp => committed[tp] >= ends[tp]);
            },
            Deadline,
            () => string.Join(", ", all.Select(tp => $"[{tp.Partition.Value}] committed {committed.GetValueOrDefault(tp, -1)} end {ends[tp]}")));
    }
}
