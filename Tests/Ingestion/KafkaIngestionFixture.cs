using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// The whole ingestion path on real parts: the embedded Kafka broker, a real <c>redis-server</c>, three silos reading
/// one 8-partition topic, a separate SDK client host, and a producer.
/// </summary>
public sealed class KafkaIngestionFixture : InProcessClusterFixture
{
    public const int Partitions = 8;

    protected override InProcessClusterDescription Description => new("hotdata", Silos: 3, Partitions);

    /// <summary>Creates a fresh topic and its dead-letter topic, both with <see cref="Partitions"/> partitions.</summary>
    public string CreateTopicWithDeadLetters(string prefix) => Kafka.CreateTopicWithDeadLetters(prefix, Partitions);

    /// <summary>The silo settings that make it ingest <paramref name="topic"/> as consumer group <paramref name="groupId"/>.</summary>
    public Dictionary<string, string?> SiloKafkaSettings(string topic, string groupId) =>
        InProcessCluster.SiloKafkaSettings(Kafka.BootstrapServers, topic, groupId, Partitions);

    /// <summary>Produces one record; <see langword="null"/> <paramref name="value"/> is a tombstone.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string topic, string? key, string? value, params (string Name, string Value)[] headers) =>
        Cluster.ProduceAsync(topic, key, value, headers);
}

[CollectionDefinition(Name)]
public sealed class KafkaIngestionDefinition : ICollectionFixture<KafkaIngestionFixture>
{
    public const string Name = "kafka ingestion";
}
