using System.Text;
using Confluent.Kafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>Ordinary produce and consume through the shared embedded cluster, as the silo's Kafka streams use it.</summary>
[Collection(SharedEmbeddedKafka.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class EmbeddedKafkaRoundTripTests(EmbeddedKafkaFixture kafka)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Keyed_records_with_headers_and_a_tombstone_round_trip_through_an_assigned_consumer()
    {
        const int partitions = 3;
        var topic = kafka.CreateTopic("roundtrip", partitions);
        var sent = new List<Message<string, string?>>();
        for (var i = 0; i < 30; i++)
        {
            sent.Add(new Message<string, string?>
            {
                Key = $"key-{i % 5}",
                Value = $$"""{"n":{{i}}}""",
                Headers = new Headers { { "op", "set"u8.ToArray() }, { "version", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) } },
            });
        }

        sent.Add(new Message<string, string?> { Key = "key-2", Value = null, Headers = new Headers { { "op", "delete"u8.ToArray() } } });

        using (var producer = new ProducerBuilder<string, string?>(kafka.ProducerConfig()).Build())
        {
            var deliveries = await Task.WhenAll(sent.Select(m => producer.ProduceAsync(topic, m))).WaitAsync(Patience);
            Assert.All(deliveries, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
        }

        using var consumer = new ConsumerBuilder<string, string?>(kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("roundtrip"))).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Stored)));
        var received = consumer.ConsumeExactly(sent.Count, Patience);

        // Kafka orders per partition, and a key always lands on one partition: per key, the order must be the sent order.
        foreach (var key in sent.Select(m => m.Key).Distinct())
        {
            var expected = sent.Where(m => m.Key == key).ToList();
            var actual = received.Where(r => r.Message.Key == key).Select(r => r.Message).ToList();
            Assert.Equal(expected.Select(m => m.Value), actual.Select(m => m.Value));
            Assert.Equal(
                expected.Select(m => string.Join(';', m.Headers.Select(h => $"{h.Key}={Encoding.UTF8.GetString(h.GetValueBytes())}"))),
                actual.Select(m => string.Join(';', m.Headers.Select(h => $"{h.Key}={Encoding.UTF8.GetString(h.GetValueBytes())}"))));
            Assert.Single(received.Select(r => r.Partition.Value).Where((_, i) => received[i].Message.Key == key).Distinct());
        }

        var tombstone = Assert.Single(received, r => r.Message.Value is null);
        Assert.Equal("key-2", tombstone.Message.Key);
        Assert.Empty(consumer.ConsumeFor(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task A_new_consumer_of_the_same_group_resumes_at_the_committed_offsets()
    {
        const int partitions = 2;
        const int total = 20;
        var topic = kafka.CreateTopic("resume", partitions);
        var group = EmbeddedKafkaFixture.UniqueTopicName("resume-group");
        using (var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).Build())
        {
            await Task.WhenAll(Enumerable.Range(0, total).Select(i =>
                producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i % 7}", Value = $"v{i}" }))).WaitAsync(Patience);
        }

        var assignment = Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Stored)).ToList();
        List<ConsumeResult<string, string>> first;
        List<TopicPartitionOffset> committed;
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build())
        {
            consumer.Assign(assignment);
            first = consumer.ConsumeExactly(8, Patience);
            // Partitions with nothing consumed come back as Unset: nothing was committed for them.
            committed = consumer.Commit().Where(c => c.Offset != Offset.Unset).ToList();
            consumer.Close();
        }

        Assert.Equal(
            first.GroupBy(r => r.Partition.Value).ToDictionary(g => g.Key, g => g.Max(r => r.Offset.Value) + 1),
            committed.ToDictionary(c => c.Partition.Value, c => c.Offset.Value));

        using var resumed = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build();
        var stored = resumed.Committed(assignment.Select(a => a.TopicPartition), Patience);
        Assert.Equal(
            committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value),
            stored.Where(s => s.Offset != Offset.Unset).OrderBy(s => s.Partition.Value).Select(s => s.Offset.Value));

        resumed.Assign(assignment);
        var rest = resumed.ConsumeExactly(total - first.Count, Patience);
        Assert.Empty(resumed.ConsumeFor(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(
            Enumerable.Range(0, total).Select(i => $"v{i}").Order(StringComparer.Ordinal),
            first.Concat(rest).Select(r => r.Message.Value).Order(StringComparer.Ordinal));
    }
}
