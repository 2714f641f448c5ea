using Orleans.TestingHost;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// An embedded Kafka broker and a three-silo cluster reading one eight-partition topic (with its dead-letter
/// topic). Tests on the shared topic use keys of their own.
/// </summary>
public sealed class KafkaStreamClusterFixture : IAsyncLifetime
{
    /// <summary>Partitions of <see cref="Topic"/>.</summary>
    public const int Partitions = 8;

    /// <summary>Silos in <see cref="Cluster"/>.</summary>
    public const short Silos = 3;

    private InProcessTestCluster? cluster;

    /// <summary>The broker, also for tests that start clusters of their own.</summary>
    public EmbeddedKafkaFixture Kafka { get; } = new();

    /// <summary>The topic the shared cluster reads.</summary>
    public string Topic { get; private set; } = string.Empty;

    /// <summary>The dead-letter topic of <see cref="Topic"/>.</summary>
    public string DeadLetterTopic => Topic + ".dlq";

    /// <summary>The shared cluster's consumer group.</summary>
    public string GroupId { get; } = EmbeddedKafkaFixture.UniqueTopicName("stream-group");

    /// <summary>The shared cluster.</summary>
    public InProcessTestCluster Cluster => cluster ?? throw new InvalidOperationException("The cluster has not started.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Topic = Kafka.CreateTopic("stream", Partitions);
        Kafka.Cluster.CreateTopic(DeadLetterTopic, 1);
        cluster = await KafkaStreamTestCluster.StartAsync(Kafka.BootstrapServers, GroupId, Topic, Partitions, Silos);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await KafkaStreamTestCluster.StopAsync(cluster);
        }

        Kafka.Dispose();
    }
}

/// <summary>Test classes marked <c>[Collection(KafkaStreamClusterDefinition.Name)]</c> share one broker and cluster.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaStreamClusterDefinition : ICollectionFixture<KafkaStreamClusterFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Kafka streams";
}
