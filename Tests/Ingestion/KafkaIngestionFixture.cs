using System.Globalization;
using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// The whole ingestion path on real parts: the embedded Kafka broker, a real <c>redis-server</c>, three silos reading
/// one 8-partition topic, a separate SDK client host, and a producer.
/// </summary>
public sealed class KafkaIngestionFixture : IAsyncLifetime
{
    public const int Partitions = 8;

    // Started first: it points Confluent.Kafka at the bundled librdkafka before any client exists in the process.
    public EmbeddedKafkaCluster Kafka { get; } = EmbeddedKafkaCluster.Start();

    public RedisServer Redis { get; private set; } = null!;

    public string ClusterId { get; } = "ingest-" + Guid.NewGuid().ToString("N")[..8];

    public string Topic { get; private set; } = null!;

    public IReadOnlyList<TestSilo> Silos { get; private set; } = [];

    public TestClientHost ClientHost { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IProducer<string?, byte[]?> Producer { get; private set; } = null!;

    public KafkaClientConfigs KafkaConfigs => EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers);

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Topic = CreateTopicWithDeadLetters("hotdata");
        Producer = new ProducerBuilder<string?, byte[]?>(KafkaConfigs.Producer()).Build();
        var silos = new List<TestSilo>();
        for (var i = 0; i < 3; i++)
        {
            silos.Add(await TestSilo.StartAsync(Redis.ConnectionString, ClusterId, SiloKafkaSettings(Topic, "hotdata-" + ClusterId)));
        }

        Silos = silos;
        ClientHost = await TestClientHost.StartAsync(Redis.ConnectionString, ClusterId);
        Http = new HttpClient { BaseAddress = new Uri(Silos[0].HttpUrl) };
    }

    /// <summary>Creates a fresh topic and its dead-letter topic, both with <see cref="Partitions"/> partitions.</summary>
    public string CreateTopicWithDeadLetters(string prefix) => Kafka.CreateTopicWithDeadLetters(prefix, Partitions);

    /// <summary>The silo settings that make it ingest <paramref name="topic"/> as consumer group <paramref name="groupId"/>.</summary>
    public Dictionary<string, string?> SiloKafkaSettings(string topic, string groupId) => SiloKafkaSettings(Kafka.BootstrapServers, topic, groupId);

    /// <summary>
    /// The silo settings that make it ingest <paramref name="topic"/> (of <paramref name="partitions"/> partitions) of
    /// any cluster as consumer group <paramref name="groupId"/>.
    /// </summary>
    public static Dictionary<string, string?> SiloKafkaSettings(string bootstrapServers, string topic, string groupId, int partitions = Partitions) => new()
    {
        ["Kafka:BootstrapServers"] = bootstrapServers,
        ["Kafka:ConsumerGroupId"] = groupId,
        ["Kafka:Topics:0:Name"] = topic,
        ["Kafka:Topics:0:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
        ["Kafka:CommitInterval"] = "00:00:00.200",
    };

    /// <summary>Produces one record; <see langword="null"/> <paramref name="value"/> is a tombstone.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string topic, string? key, string? value, params (string Name, string Value)[] headers)
    {
        return Producer.ProduceAsync(topic, TestRecords.Create(key, value, headers));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Producer.Dispose();
        await ClientHost.DisposeAsync();
        foreach (var silo in Silos.Reverse())
        {
            await silo.DisposeAsync();
        }

        await Redis.DisposeAsync();
        Kafka.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaIngestionDefinition : ICollectionFixture<KafkaIngestionFixture>
{
    public const string Name = "kafka ingestion";
}
