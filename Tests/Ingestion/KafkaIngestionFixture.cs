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

    private InProcessCluster _cluster = null!;

    public EmbeddedKafkaCluster Kafka => _cluster.Kafka;

    public RedisServer Redis => _cluster.Redis;

    public string ClusterId => _cluster.ClusterId;

    public string Topic => _cluster.Topic;

    public IReadOnlyList<TestSilo> Silos => _cluster.Silos;

    public TestClientHost ClientHost => _cluster.ClientHost!;

    /// <summary>The first silo's HTTP client.</summary>
    public HttpClient Http => _cluster.Http[0];

    public IProducer<string?, byte[]?> Producer => _cluster.Producer;

    public KafkaClientConfigs KafkaConfigs => _cluster.KafkaConfigs;

    public async Task InitializeAsync() => _cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("hotdata", Silos: 3, Partitions));

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
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string topic, string? key, string? value, params (string Name, string Value)[] headers) =>
        _cluster.ProduceAsync(topic, key, value, headers);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class KafkaIngestionDefinition : ICollectionFixture<KafkaIngestionFixture>
{
    public const string Name = "kafka ingestion";
}
