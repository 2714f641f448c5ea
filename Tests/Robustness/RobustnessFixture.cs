using System.Globalization;
using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Ingestion;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// A cluster for the randomized input test, shaped like <see cref="KafkaIngestionFixture"/>: the embedded Kafka broker,
/// a real <c>redis-server</c>, two silos reading one 4-partition topic (and dead-lettering into its <c>.dlq</c>), HTTP
/// clients of both silos, and a producer of raw byte keys, values and headers. The value limit is small so oversized
/// inputs stay cheap.
/// </summary>
public sealed class RobustnessFixture : IAsyncLifetime
{
    public const int Partitions = 4;

    /// <summary>HotData:MaxValueBytes of the silos, well below the 1 MiB default.</summary>
    public const int MaxValueBytes = 16 * 1024;

    // Started first: it points Confluent.Kafka at the bundled librdkafka before any client exists in the process.
    public EmbeddedKafkaCluster Kafka { get; } = EmbeddedKafkaCluster.Start();

    public RedisServer Redis { get; private set; } = null!;

    public string ClusterId { get; } = "fuzz-" + Guid.NewGuid().ToString("N")[..8];

    public string Topic { get; private set; } = null!;

    public string DeadLetterTopic => Topic + ".dlq";

    public IReadOnlyList<TestSilo> Silos { get; private set; } = [];

    /// <summary>One HTTP client per silo.</summary>
    public IReadOnlyList<HttpClient> Http { get; private set; } = [];

    public IProducer<byte[]?, byte[]?> Producer { get; private set; } = null!;

    public KafkaClientConfigs KafkaConfigs => EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers);

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Topic = Kafka.CreateTopicWithDeadLetters("fuzz", Partitions);
        Producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaConfigs.Producer()).Build();
        var settings = KafkaIngestionFixture.SiloKafkaSettings(Kafka.BootstrapServers, Topic, "fuzz-" + ClusterId, Partitions);
        settings["HotData:MaxValueBytes"] = MaxValueBytes.ToString(CultureInfo.InvariantCulture);
        var silos = new List<TestSilo>();
        for (var i = 0; i < 2; i++)
        {
            silos.Add(await TestSilo.StartAsync(Redis.ConnectionString, ClusterId, settings));
        }

        Silos = silos;
        Http = [.. silos.Select(s => new HttpClient { BaseAddress = new Uri(s.HttpUrl) })];
    }

    public async Task DisposeAsync()
    {
        foreach (var http in Http)
        {
            http.Dispose();
        }

        Producer.Dispose();
        foreach (var silo in Silos.Reverse())
        {
            await silo.DisposeAsync();
        }

        await Redis.DisposeAsync();
        Kafka.Dispose();
    }
}
