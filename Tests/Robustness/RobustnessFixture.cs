using System.Globalization;
using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Ingestion;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// A cluster for the randomized input test, shaped like <see cref="KafkaIngestionFixture"/>: the embedded Kafka broker,
/// a real <c>redis-server</c>, two silos reading one 4-partition topic (and dead-lettering into its <c>.dlq</c>), HTTP
/// clients of both silos, and a producer of raw byte keys, values and headers. The value limit is small so oversized
/// inputs stay cheap.
/// </summary>
public sealed class RobustnessFixture : InProcessClusterFixture
{
    public const int Partitions = 4;

    /// <summary>HotData:MaxValueBytes of the silos, well below the 1 MiB default.</summary>
    public const int MaxValueBytes = 16 * 1024;

    /// <summary>A producer of raw bytes (the cluster's own produces strings).</summary>
    public IProducer<byte[]?, byte[]?> ByteProducer { get; private set; } = null!;

    protected override InProcessClusterDescription Description => new("fuzz", Silos: 2, Partitions)
    {
        ClientHost = false,
        Settings = new Dictionary<string, string?> { ["HotData:MaxValueBytes"] = MaxValueBytes.ToString(CultureInfo.InvariantCulture) },
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ByteProducer = new ProducerBuilder<byte[]?, byte[]?>(KafkaConfigs.Producer()).Build();
    }

    public override async Task DisposeAsync()
    {
        ByteProducer?.Dispose();
        await base.DisposeAsync();
    }
}
