using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using Orleans.Streaming.Kafka;
using Orleans.Streaming.Kafka.Providers;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaStreamDeliveryTests(KafkaStreamClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_partition_is_read_by_exactly_one_silo()
    {
        IReadOnlyList<IReadOnlyList<KafkaPartitionStatus>> perSilo = [];
        await Eventually.HoldsAsync(
            () =>
            {
                perSilo = KafkaStreamTestCluster.ActivePartitionsPerSilo(fixture.Cluster);
                var read = perSilo.SelectMany(partitions => partitions).Select(p => (p.Topic, p.Partition)).ToList();
                return read.Count == KafkaStreamClusterFixture.Partitions
                    && read.Distinct().Count() == KafkaStreamClusterFixture.Partitions
                    && read.All(p => p.Topic == fixture.Topic);
            },
            Deadline,
            () => Describe(perSilo));

        Assert.Equal(KafkaStreamClusterFixture.Silos, perSilo.Count);
        Assert.True(perSilo.Count(partitions => partitions.Count > 0) >= 2, $"The partitions were not spread: {Describe(perSilo)}");
    }

    [Fact]
    public async Task Records_from_a_plain_producer_reach_the_grain_of_their_key_in_partition_order()
    {
        var keys = Enumerable.Range(0, 6).Select(i => $"order-{Guid.NewGuid():N}-{i}").ToList();
        const int perKey = 15;
        var produced = new Dictionary<string, List<DeliveryResult<string, string>>>();
        using (var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build())
        {
            for (var n = 0; n < perKey; n++)
            {
                foreach (var key in keys)
                {
                    var message = new Message<string, string>
                    {
                        Key = key,
                        Value = JsonSerializer.Serialize(new { key, n }),
                        Headers = new Headers { { "op", Encoding.UTF8.GetBytes("set") }, { "trace", Encoding.UTF8.GetBytes($"t{n}") } },
                    };
                    var result = await producer.ProduceAsync(fixture.Topic, message);
                    (produced.TryGetValue(key, out var list) ? list : produced[key] = []).Add(result);
                }
            }
        }

        await Eventually.HoldsAsync(
            () => keys.All(key => KafkaRecordJournal.Received(fixture.Topic, key).Count >= perKey),
            Deadline,
            () => string.Join(", ", keys.Select(key => $"{key}: {KafkaRecordJournal.Received(fixture.Topic, key).Count}")));

        foreach (var key in keys)
        {
            var received = KafkaRecordJournal.Received(fixture.Topic, key);
            var expected = produced[key];
            Assert.Equal(expected.Select(r => r.Offset.Value), received.Select(r => r.Offset));
            Assert.All(received, record =>
            {
                Assert.Equal(fixture.Topic, record.Topic);
                Assert.Equal(key, record.Key);
                Assert.Equal(expected[0].Partition.Value, record.Partition);
                Assert.Equal("set", record.GetHeaderAsString("op"));
            });
            Assert.Equal(
                expected.Select(r => r.Message.Value),
                received.Select(r => r.GetValueAsString()));
            Assert.Equal(
                Enumerable.Range(0, perKey).Select(n => $"t{n}"),
                received.Select(r => r.GetHeaderAsString("trace")));
        }
    }

    [Fact]
    public async Task Keyless_records_go_to_the_dead_letter_topic_and_records_behind_them_still_arrive()
    {
        var key = $"after-keyless-{Guid.NewGuid():N}";
        var partition = new TopicPartition(fixture.Topic, new Partition(5));
        var deadLetteredBefore = KafkaStreamTestCluster.DeadLetteredCount(fixture.Cluster);
        DeliveryResult<byte[]?, byte[]?> keyless;
        var behind = new List<DeliveryResult<byte[]?, byte[]?>>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(fixture.Kafka.ProducerConfig()).Build())
        {
            behind.Add(await producer.ProduceAsync(partition, Keyed(key, "before")));
            keyless = await producer.ProduceAsync(partition, new Message<byte[]?, byte[]?>
            {
                Key = null,
                Value = Encoding.UTF8.GetBytes("{\"lost\":true}"),
                Headers = new Headers { { "origin", Encoding.UTF8.GetBytes("legacy-system") } },
            });
            behind.Add(await producer.ProduceAsync(partition, Keyed(key, "after-1")));
            behind.Add(await producer.ProduceAsync(partition, Keyed(key, "after-2")));
        }

        await Eventually.HoldsAsync(
            () => KafkaRecordJournal.Received(fixture.Topic, key).Count >= 3,
            Deadline,
            () => $"{KafkaRecordJournal.Received(fixture.Topic, key).Count} of 3 records arrived");
        Assert.Equal(["before", "after-1", "after-2"], KafkaRecordJournal.Received(fixture.Topic, key).Select(r => r.GetValueAsString()));

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(fixture.Kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("dlq-reader"))).Build();
        consumer.Assign(new TopicPartitionOffset(fixture.DeadLetterTopic, 0, Offset.Beginning));
        ConsumeResult<byte[]?, byte[]?>? deadLetter = null;
        var deadline = DateTime.UtcNow + Deadline;
        while (deadLetter is null && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message is not null && Header(result, KafkaDeadLetterHeaders.SourceOffset) == keyless.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)
                && Header(result, KafkaDeadLetterHeaders.SourcePartition) == "5")
            {
                deadLetter = result;
            }
        }

        Assert.NotNull(deadLetter);
        Assert.Null(deadLetter.Message.Key);
        Assert.Equal("{\"lost\":true}", Encoding.UTF8.GetString(deadLetter.Message.Value!));
        Assert.Equal("legacy-system", Header(deadLetter, "origin"));
        Assert.Equal(KafkaDeadLetterHeaders.MissingKeyReason, Header(deadLetter, KafkaDeadLetterHeaders.Reason));
        Assert.Equal(fixture.Topic, Header(deadLetter, KafkaDeadLetterHeaders.SourceTopic));
        // The count moves once the producer has the broker's acknowledgement, which may be just after a reader sees the record.
        await Eventually.HoldsAsync(
            () => KafkaStreamTestCluster.DeadLetteredCount(fixture.Cluster) > deadLetteredBefore,
            Deadline,
            () => $"dead-lettered count stayed at {KafkaStreamTestCluster.DeadLetteredCount(fixture.Cluster)}");
    }

    [Fact]
    public async Task Committed_offsets_reach_the_end_of_every_partition_once_records_are_delivered()
    {
        var keys = Enumerable.Range(0, 40).Select(i => $"commit-{Guid.NewGuid():N}-{i}").ToList();
        using (var producer = new ProducerBuilder<string, string>(fixture.Kafka.ProducerConfig()).Build())
        {
            foreach (var key in keys)
            {
                await producer.ProduceAsync(fixture.Topic, new Message<string, string> { Key = key, Value = "{}" });
            }
        }

        await Eventually.HoldsAsync(
            () => keys.All(key => KafkaRecordJournal.Received(fixture.Topic, key).Count >= 1),
            Deadline,
            () => $"{keys.Count(key => KafkaRecordJournal.Received(fixture.Topic, key).Count >= 1)} of {keys.Count} keys received");

        using var reader = new ConsumerBuilder<byte[], byte[]>(fixture.Kafka.ConsumerConfig(fixture.GroupId)).Build();
        var partitions = Enumerable.Range(0, KafkaStreamClusterFixture.Partitions).Select(p => new TopicPartition(fixture.Topic, new Partition(p))).ToList();
        var ends = partitions.ToDictionary(tp => tp, tp => reader.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
        Dictionary<TopicPartition, long> committed = [];
        await Eventually.HoldsAsync(
            () =>
            {
                committed = reader.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(tpo => tpo.TopicPartition, tpo => tpo.Offset.Value);
                return partitions.All(tp => committed[tp] >= ends[tp]);
            },
            Deadline,
            () => string.Join(", ", partitions.Select(tp => $"[{tp.Partition.Value}] committed {committed.GetValueOrDefault(tp, -1)} end {ends[tp]}")));
    }

    [Fact]
    public async Task Events_sent_to_an_Orleans_stream_from_a_client_become_keyed_Kafka_records()
    {
        var key = $"from-client-{Guid.NewGuid():N}";
        var stream = fixture.Cluster.Client.GetStreamProvider(KafkaStreamTestConstants.ProviderName)
            .GetStream<object>(StreamId.Create(KafkaStreamTestConstants.StreamNamespace, key));

        await stream.OnNextAsync(new PriceChanged("sku-1", 12.5m));
        await stream.OnNextAsync("plain text");
        await stream.OnNextAsync(new byte[] { 1, 2, 3 });

        var expectedPartition = KafkaPartitioner.GetPartition(Encoding.UTF8.GetBytes(key), KafkaStreamClusterFixture.Partitions);
        using var consumer = new ConsumerBuilder<string, byte[]>(fixture.Kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("client-reader"))).Build();
        consumer.Assign(new TopicPartitionOffset(fixture.Topic, expectedPartition, Offset.Beginning));
        var records = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + Deadline;
        while (records.Count < 3 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result && result.Message.Key == key)
            {
                records.Add(result);
            }
        }

        Assert.Equal(3, records.Count);
        var price = JsonSerializer.Deserialize<PriceChanged>(records[0].Message.Value);
        Assert.Equal(new PriceChanged("sku-1", 12.5m), price);
        Assert.Equal("plain text", Encoding.UTF8.GetString(records[1].Message.Value));
        Assert.Equal(new byte[] { 1, 2, 3 }, records[2].Message.Value);

        // The records come back through the provider to the grain of the key, like any producer's records.
        await Eventually.HoldsAsync(
            () => KafkaRecordJournal.Received(fixture.Topic, key).Count >= 3,
            Deadline,
            () => $"{KafkaRecordJournal.Received(fixture.Topic, key).Count} of 3 records arrived at the grain");
    }

    [Fact]
    public async Task Keyed_records_land_in_the_partition_the_queue_mapper_computes()
    {
        var topic = fixture.Kafka.CreateTopic("murmur", KafkaStreamClusterFixture.Partitions);
        var mapper = new KafkaStreamQueueMapper([new Orleans.Configuration.KafkaTopicOptions { Name = topic, StreamNamespace = "ns", Partitions = KafkaStreamClusterFixture.Partitions }]);
        var config = fixture.Kafka.ProducerConfig();
        config.Partitioner = Partitioner.Murmur2Random;
        using var producer = new ProducerBuilder<string, string>(config).Build();

        foreach (var key in Enumerable.Range(0, 64).Select(i => $"key-{i}-{(char)('a' + (i % 26))}").Append("").Append("ключ"))
        {
            var result = await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = "x" });

            Assert.Equal(result.Partition.Value, KafkaPartitioner.GetPartition(Encoding.UTF8.GetBytes(key), KafkaStreamClusterFixture.Partitions));
            if (key.Length > 0)
            {
                Assert.True(mapper.TryGetPartition(mapper.GetQueueForStream(StreamId.Create("ns", key)), out var queue));
                Assert.Equal(result.Partition.Value, queue.Partition);
            }
        }
    }

    private static Message<byte[]?, byte[]?> Keyed(string key, string value) =>
        new() { Key = Encoding.UTF8.GetBytes(key), Value = Encoding.UTF8.GetBytes(value) };

    private static string? Header(ConsumeResult<byte[]?, byte[]?> result, string name) =>
        result.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    private static string Describe(IReadOnlyList<IReadOnlyList<KafkaPartitionStatus>> perSilo) =>
        string.Join(" | ", perSilo.Select((partitions, i) => $"silo {i}: [{string.Join(",", partitions.Select(p => p.Partition))}]"));

    /// <summary>A domain event a client might send; written to Kafka as JSON.</summary>
    public sealed record PriceChanged(string Sku, decimal Price);
}
