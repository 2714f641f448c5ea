using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>
/// One embedded Kafka cluster shared by the tests of a collection or class. Tests must not share topics: each asks
/// <see cref="CreateTopic"/> for a fresh one. Tests that switch brokers down or inject errors start a cluster of
/// their own instead, so they cannot disturb the others.
/// </summary>
public sealed class EmbeddedKafkaFixture : IDisposable
{
    /// <summary>Starts a single-broker cluster.</summary>
    public EmbeddedKafkaFixture() => Cluster = EmbeddedKafkaCluster.Start();

    /// <summary>The shared cluster.</summary>
    public EmbeddedKafkaCluster Cluster { get; }

    /// <summary>The cluster's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>Creates a topic whose name starts with <paramref name="prefix"/> and is unique to this call.</summary>
    /// <param name="prefix">Says which test the topic belongs to, for reading logs.</param>
    /// <param name="partitions">The partition count.</param>
    /// <returns>The topic name.</returns>
    public string CreateTopic(string prefix, int partitions = 1)
    {
        var topic = UniqueTopicName(prefix);
        Cluster.CreateTopic(topic, partitions);
        return topic;
    }

    /// <summary>A producer configuration for this cluster: acks from all replicas, idempotent, short linger.</summary>
    public ProducerConfig ProducerConfig() => ForCluster(BootstrapServers).Producer();

    /// <summary>
    /// A consumer configuration for this cluster in group <paramref name="groupId"/>: manual commits, earliest
    /// start, and the fetch settings that keep the mock broker fast.
    /// </summary>
    /// <param name="groupId">The consumer group; use a fresh one per test.</param>
    public ConsumerConfig ConsumerConfig(string groupId) => ForCluster(BootstrapServers).Consumer(groupId);

    /// <summary>A name for a topic or group that no other test uses.</summary>
    /// <param name="prefix">Readable start of the name.</param>
    public static string UniqueTopicName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Client configurations for any cluster, such as one a test starts for itself.</summary>
    /// <param name="bootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
    public static KafkaClientConfigs ForCluster(string bootstrapServers) => new(bootstrapServers);

    /// <inheritdoc />
    public void Dispose() => Cluster.Dispose();
}
