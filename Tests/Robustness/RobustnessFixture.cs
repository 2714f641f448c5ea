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

    private InProcessCluster _cluster = null!;

    public EmbeddedKafkaCluster Kafka => _cluster.Kafka;

    public RedisServer Redis => _cluster.Redis;

    public string ClusterId => _cluster.ClusterId;

    public string Topic => _cluster.Topic;

    public string DeadLetterTopic => Topic + ".dlq";

    public IReadOnlyList<TestSilo> Silos => _cluster.Silos;

    /// <summary>One HTTP client per silo.</summary>
    public IReadOnlyList<HttpClient> Http => _cluster.Http;

    /// <summary>A producer of raw bytes (the cluster's own produces strings).</summary>
    public IProducer<byte[]?, byte[]?> Producer { get; private set; } = null!;

    public KafkaClientConfigs KafkaConfigs => _cluster.KafkaConfigs;

    public async Task InitializeAsync()
    {
        _cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("fuzz", Silos: 2, Partitions)
        {
            ClientHost = false,
            Settings = new Dictionary<string, string?> { ["HotData:MaxValueBytes"] = MaxValueBytes.ToString(CultureInfo.InvariantCulture) },
        });
        Producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaConfigs.Producer()).Build();
    }

    public async Task DisposeAsync()
    {
        Producer?.Dispose();
        await _cluster.DisposeAsync();
    }
}
