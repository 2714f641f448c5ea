using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace OrleansHotData.Tests.Kafka;

/// <summary>
/// Faults injected into the broker. Each test starts a cluster of its own, since a broker outage or an injected
/// error would hit any other test using the same cluster.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class EmbeddedKafkaFaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_broker_down_for_seconds_then_up_loses_and_duplicates_nothing()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "outage";
        cluster.CreateTopic(topic, partitions: 2);
        var configs = EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers);

        // librdkafka backs off reconnects up to 10 s by default; a shorter cap keeps the test short, not different.
        var producerConfig = configs.Producer();
        producerConfig.ReconnectBackoffMaxMs = 500;
        var consumerConfig = configs.Consumer("outage-group");
        consumerConfig.ReconnectBackoffMaxMs = 500;

        using var producer = new ProducerBuilder<string, string>(producerConfig).Build();
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Stored), new TopicPartitionOffset(topic, 1, Offset.Stored)]);

        await Task.WhenAll(Produce(producer, topic, 0, 20)).WaitAsync(Patience);
        var before = consumer.ConsumeExactly(20, Patience);

        cluster.SetBrokerDown();
        var duringOutage = Produce(producer, topic, 20, 40);
        Assert.Empty(consumer.ConsumeFor(TimeSpan.FromSeconds(3)));
        Assert.DoesNotContain(duringOutage, t => t.IsCompleted);
        cluster.SetBrokerUp();

        var deliveries = await Task.WhenAll(duringOutage).WaitAsync(Patience);
        Assert.All(deliveries, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
        var after = consumer.ConsumeExactly(20, Patience);
        Assert.Empty(consumer.ConsumeFor(TimeSpan.FromMilliseconds(500)));

        var values = before.Concat(after).Select(r => r.Message.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"v{i}").Order(StringComparer.Ordinal), values.Order(StringComparer.Ordinal));
        AssertOrderedPerKey(before.Concat(after));
    }

    [Fact]
    public async Task Retriable_errors_injected_into_produce_and_fetch_are_retried_without_loss_or_duplicates()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "flaky";
        cluster.CreateTopic(topic, partitions: 1);
        var configs = EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers);

        using var producer = new ProducerBuilder<string, string>(configs.Producer()).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k0", Value = "v0" }).WaitAsync(Patience);

        cluster.PushRequestErrors(
            ApiKey.Produce,
            ErrorCode.NotLeaderForPartition,
            ErrorCode.Local_Transport,
            ErrorCode.NotEnoughReplicas,
            ErrorCode.RequestTimedOut);
        var deliveries = await Task.WhenAll(Produce(producer, topic, 1, 30)).WaitAsync(Patience);
        Assert.All(deliveries, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));

        cluster.PushRequestErrors(ApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.Local_Transport, ErrorCode.UnknownLeaderEpoch);
        using var consumer = new ConsumerBuilder<string, string>(configs.Consumer("flaky-group")).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var received = consumer.ConsumeExactly(30, Patience);
        Assert.Empty(consumer.ConsumeFor(TimeSpan.FromMilliseconds(500)));

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"v{i}"), received.Select(r => r.Message.Value));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), received.Select(r => r.Offset.Value));
    }

    [Fact]
    public async Task A_non_retriable_injected_error_reaches_the_producer()
    {
        // Proves the injection itself works: without it, the retry test above would pass vacuously.
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("denied", 1);
        var config = EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers).Producer();
        config.EnableIdempotence = false;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        await producer.ProduceAsync("denied", new Message<string, string> { Key = "k", Value = "accepted" }).WaitAsync(Patience);

        cluster.PushRequestErrors(ApiKey.Produce, ErrorCode.MsgSizeTooLarge);
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("denied", new Message<string, string> { Key = "k", Value = "refused" }).WaitAsync(Patience));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, error.Error.Code);

        var next = await producer.ProduceAsync("denied", new Message<string, string> { Key = "k", Value = "accepted again" }).WaitAsync(Patience);
        Assert.Equal(PersistenceStatus.Persisted, next.Status);
    }

    private static List<Task<DeliveryResult<string, string>>> Produce(IProducer<string, string> producer, string topic, int from, int to) =>
        Enumerable.Range(from, to - from)
            .Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i % 4}", Value = $"v{i}" }))
            .ToList();

    private static void AssertOrderedPerKey(IEnumerable<ConsumeResult<string, string>> results)
    {
        foreach (var key in results.GroupBy(r => r.Message.Key))
        {
            var numbers = key.Select(r => int.Parse(r.Message.Value.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }
    }
}
