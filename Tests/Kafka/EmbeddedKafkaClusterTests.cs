using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace OrleansHotData.Tests.Kafka;

/// <summary>What the embedded cluster's own API does, and how the mock behaves where a real broker is configurable.</summary>
[Collection(SharedEmbeddedKafka.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class EmbeddedKafkaClusterTests(EmbeddedKafkaFixture kafka)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Bootstrap_servers_are_loopback_addresses_one_per_broker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        var servers = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, servers.Length);
        Assert.All(servers, s => Assert.Matches(@"^127\.0\.0\.1:\d+$", s));
    }

    [Fact]
    public void Created_topics_have_the_requested_partitions()
    {
        var topic = kafka.CreateTopic("created", partitions: 5);
        var metadata = GetTopicMetadata(kafka.BootstrapServers, topic);
        Assert.NotNull(metadata);
        Assert.Equal(5, metadata.Partitions.Count);
    }

    [Fact]
    public async Task Producing_to_an_unknown_topic_creates_it_with_four_partitions()
    {
        var topic = EmbeddedKafkaFixture.UniqueTopicName("auto-produce");
        using var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).Build();
        var delivery = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" }).WaitAsync(Patience);

        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        Assert.Equal(4, GetTopicMetadata(kafka.BootstrapServers, topic)?.Partitions.Count);
    }

    [Fact]
    public void Consumers_do_not_create_unknown_topics()
    {
        var assigned = EmbeddedKafkaFixture.UniqueTopicName("auto-assign");
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("g"))).Build())
        {
            consumer.Assign(new TopicPartitionOffset(assigned, 0, Offset.Beginning));
            Assert.Empty(consumer.ConsumeFor(TimeSpan.FromSeconds(1)));
        }

        var subscribed = EmbeddedKafkaFixture.UniqueTopicName("auto-subscribe");
        var config = kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("g"));
        config.AllowAutoCreateTopics = true;
        using (var consumer = new ConsumerBuilder<string, string>(config).Build())
        {
            consumer.Subscribe(subscribed);
            var error = Assert.Throws<ConsumeException>(() => consumer.ConsumeFor(Patience));
            Assert.Equal(ErrorCode.UnknownTopicOrPart, error.Error.Code);
        }

        Assert.Null(GetTopicMetadata(kafka.BootstrapServers, assigned));
        Assert.Null(GetTopicMetadata(kafka.BootstrapServers, subscribed));
    }

    [Fact]
    public void Creating_an_existing_topic_fails_with_a_clear_error()
    {
        var topic = kafka.CreateTopic("twice");
        var error = Assert.Throws<KafkaException>(() => kafka.Cluster.CreateTopic(topic, 1));
        Assert.Equal(ErrorCode.TopicAlreadyExists, error.Error.Code);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_switches_reject_an_unknown_broker()
    {
        Assert.Equal(ErrorCode.BrokerNotAvailable, Assert.Throws<KafkaException>(() => kafka.Cluster.SetBrokerDown(99)).Error.Code);
        Assert.Equal(ErrorCode.BrokerNotAvailable, Assert.Throws<KafkaException>(() => kafka.Cluster.SetBrokerUp(99)).Error.Code);
        var topic = kafka.CreateTopic("leader");
        Assert.Equal(ErrorCode.BrokerNotAvailable, Assert.Throws<KafkaException>(() => kafka.Cluster.SetPartitionLeader(topic, 0, 99)).Error.Code);
    }

    [Fact]
    public async Task Partition_leadership_moves_and_clients_follow()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        const string topic = "moving";
        cluster.CreateTopic(topic, partitions: 1, replicationFactor: 3);
        var configs = EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers);
        using var producer = new ProducerBuilder<string, string>(configs.Producer()).Build();

        foreach (var leader in new[] { 2, 3, 1 })
        {
            cluster.SetPartitionLeader(topic, 0, leader);
            Assert.Equal(leader, GetTopicMetadata(cluster.BootstrapServers, topic)?.Partitions.Single().Leader);
            var delivery = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = $"led by {leader}" }).WaitAsync(Patience);
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        }

        using var consumer = new ConsumerBuilder<string, string>(configs.Consumer("moving-group")).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal(["led by 2", "led by 3", "led by 1"], consumer.ConsumeExactly(3, Patience).Select(r => r.Message.Value));
    }

    [Fact]
    public async Task Round_trip_time_delays_every_response()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("slow", 1);
        using var producer = new ProducerBuilder<string, string>(EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers).Producer()).Build();
        await producer.ProduceAsync("slow", new Message<string, string> { Key = "k", Value = "warm-up" }).WaitAsync(Patience);

        cluster.SetBrokerRoundTripTime(1, 400);
        var started = TimeProvider.System.GetTimestamp();
        await producer.ProduceAsync("slow", new Message<string, string> { Key = "k", Value = "delayed" }).WaitAsync(Patience);

        // A lower bound only: the injected delay must show, however slow the machine is otherwise.
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(350));
        cluster.SetBrokerRoundTripTime(1, 0);
    }

    [Fact]
    public void Each_partition_keeps_only_about_the_latest_five_mebibytes()
    {
        var topic = kafka.CreateTopic("retention");
        var payload = new byte[10_000];
        using (var producer = new ProducerBuilder<Null, byte[]>(kafka.ProducerConfig()).Build())
        {
            for (var i = 0; i < 1000; i++)
            {
                producer.Produce(topic, new Message<Null, byte[]> { Value = payload });
                if (i % 100 == 99)
                {
                    producer.Flush(Patience);
                }
            }

            Assert.Equal(0, producer.Flush(Patience));
        }

        using var consumer = new ConsumerBuilder<Null, byte[]>(kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("g"))).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Patience);
        Assert.Equal(1000, watermarks.High.Value);
        var keptBytes = (watermarks.High.Value - watermarks.Low.Value) * payload.Length;
        Assert.InRange(keptBytes, 4_000_000, 6_000_000);
    }

    [Fact]
    public async Task A_group_once_used_by_a_subscriber_refuses_commits_from_an_assigned_consumer()
    {
        var topic = kafka.CreateTopic("group-trap");
        var group = EmbeddedKafkaFixture.UniqueTopicName("group-trap");
        using (var producer = new ProducerBuilder<Null, string>(kafka.ProducerConfig()).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "v" }).WaitAsync(Patience);
        }

        using (var subscriber = new ConsumerBuilder<Null, string>(kafka.ConsumerConfig(group)).Build())
        {
            subscriber.Subscribe(topic);
            subscriber.ConsumeExactly(1, Patience);
            subscriber.Commit();
            subscriber.Close();
        }

        using var assigned = new ConsumerBuilder<Null, string>(kafka.ConsumerConfig(group)).Build();
        assigned.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        assigned.ConsumeExactly(1, Patience);
        Assert.Equal(ErrorCode.UnknownMemberId, Assert.Throws<KafkaException>(() => assigned.Commit()).Error.Code);
    }

    [Fact]
    public void Dispose_is_idempotent_and_later_calls_fail_clearly()
    {
        var cluster = EmbeddedKafkaCluster.Start();
        cluster.Dispose();
        cluster.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("after-dispose", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown());
    }

    /// <summary>
    /// The topic as listed in a metadata request for all topics. Asking for one topic by name from a producer-type
    /// client (such as the admin client) would itself create the topic on the mock.
    /// </summary>
    private static TopicMetadata? GetTopicMetadata(string bootstrapServers, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        return admin.GetMetadata(Patience).Topics.SingleOrDefault(t => t.Topic == topic);
    }
}
