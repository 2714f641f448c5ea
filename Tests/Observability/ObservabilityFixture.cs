using System.Globalization;
using System.Text;
using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;
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

    public string Topic { get; } = EmbeddedKafkaFixture.UniqueTopicName("observe");

    public IReadOnlyList<TestSilo> Silos { get; private set; } = [];

    public IReadOnlyList<HttpClient> Http { get; private set; } = [];

    public TestClientHost ClientHost { get; private set; } = null!;

    public IProducer<string?, byte[]?> Producer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Kafka.CreateTopic(Topic, Partitions);
        Kafka.CreateTopic(Topic + ".dlq", Partitions);
        Producer = new ProducerBuilder<string?, byte[]?>(EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers).Producer()).Build();
        var settings = new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
            ["Kafka:ConsumerGroupId"] = "group-" + ClusterId,
            ["Kafka:Topics:0:Name"] = Topic,
            ["Kafka:Topics:0:Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["Kafka:CommitInterval"] = "00:00:00.200",
        };
        Silos = [await TestSilo.StartAsync(Redis.ConnectionString, ClusterId, settings), await TestSilo.StartAsync(Redis.ConnectionString, ClusterId, settings)];
        Http = [.. Silos.Select(s => new HttpClient { BaseAddress = new Uri(s.HttpUrl) })];
        ClientHost = await TestClientHost.StartAsync(Redis.ConnectionString, ClusterId);
    }

    /// <summary>A key no other test uses.</summary>
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Produces one record and waits for the broker's acknowledgement.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string? key, string? value, params (string Name, string Value)[] headers)
    {
        var message = new Message<string?, byte[]?> { Key = key, Value = value is null ? null : Encoding.UTF8.GetBytes(value), Headers = [] };
        foreach (var (name, headerValue) in headers)
        {
            message.Headers.Add(name, Encoding.UTF8.GetBytes(headerValue));
        }

        return Producer.ProduceAsync(Topic, message);
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
