using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Ingestion;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Observability;

/// <summary>
/// Real parts for the observability tests: the embedded Kafka broker, a real <c>redis-server</c>, two silos reading
/// one topic, a separate SDK client host, and a producer.
/// </summary>
public sealed class ObservabilityFixture : IAsyncLifetime
{
    public const int Partitions = 4;

    // Started first: it points Confluent.Kafka at the bundled librdkafka before any client exists in the process.
    public EmbeddedKafkaCluster Kafka { get; } = EmbeddedKafkaCluster.Start();

    public RedisServer Redis { get; private set; } = null!;

    public string ClusterId { get; } = "observe-" + Guid.NewGuid().ToString("N")[..8];

    public string Topic { get; private set; } = null!;

    public IReadOnlyList<TestSilo> Silos { get; private set; } = [];

    public IReadOnlyList<HttpClient> Http { get; private set; } = [];

    public TestClientHost ClientHost { get; private set; } = null!;

    public IProducer<string?, byte[]?> Producer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Topic = Kafka.CreateTopicWithDeadLetters("observe", Partitions);
        Producer = new ProducerBuilder<string?, byte[]?>(EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers).Producer()).Build();
        var settings = KafkaIngestionFixture.SiloKafkaSettings(Kafka.BootstrapServers, Topic, "group-" + ClusterId, Partitions);
        Silos = [await TestSilo.StartAsync(Redis.ConnectionString, ClusterId, settings), await TestSilo.StartAsync(Redis.ConnectionString, ClusterId, settings)];
        Http = [.. Silos.Select(s => new HttpClient { BaseAddress = new Uri(s.HttpUrl) })];
        ClientHost = await TestClientHost.StartAsync(Redis.ConnectionString, ClusterId);
    }

    /// <summary>A key no other test uses.</summary>
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Produces one record and waits for the broker's acknowledgement.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string? key, string? value, params (string Name, string Value)[] headers)
    {
        return Producer.ProduceAsync(Topic, TestRecords.Create(key, value, headers));
    }

    public async Task DisposeAsync()
    {
        Producer.Dispose();
        foreach (var http in Http)
        {
            http.Dispose();
        }

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
public sealed class ObservabilityDefinition : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "observability";
}
