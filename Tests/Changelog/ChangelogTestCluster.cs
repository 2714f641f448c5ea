using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Ingestion;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Changelog;

/// <summary>What each changelog test starts for itself: an embedded broker with a fresh topic and its changelog topic, a real Redis, and the silo settings that read them.</summary>
internal sealed class ChangelogTestCluster : IAsyncDisposable
{
    private ChangelogTestCluster(EmbeddedKafkaCluster kafka, RedisServer redis, string topic, int partitions)
    {
        Kafka = kafka;
        Redis = redis;
        Topic = topic;
        ClusterId = $"{topic}-cluster";
        Settings = KafkaIngestionFixture.SiloKafkaSettings(kafka.BootstrapServers, topic, $"{topic}-group", partitions);
    }

    public EmbeddedKafkaCluster Kafka { get; }

    public RedisServer Redis { get; }

    public string Topic { get; }

    public string ClusterId { get; }

    /// <summary>The silo settings; a test may add its own before starting a silo.</summary>
    public Dictionary<string, string?> Settings { get; }

    public static async Task<ChangelogTestCluster> StartAsync(string prefix, int partitions)
    {
        var kafka = EmbeddedKafkaCluster.Start();
        var redis = await RedisServer.StartAsync();
        return new ChangelogTestCluster(kafka, redis, kafka.CreateTopicWithDeadLetters(prefix, partitions), partitions);
    }

    public Task<TestSilo> StartSiloAsync() => TestSilo.StartAsync(Redis.ConnectionString, ClusterId, Settings);

    public Confluent.Kafka.IProducer<string?, byte[]?> CreateProducer() =>
        new Confluent.Kafka.ProducerBuilder<string?, byte[]?>(EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers).Producer()).Build();

    /// <summary>Reads the changelog until every key of <paramref name="model"/> reached its last version there.</summary>
    public Task<ChangelogAudit> AuditAsync(IReadOnlyDictionary<string, Dictionary<long, string?>> model, TimeSpan deadline) =>
        Eventually.ReturnsAsync(
            () => Task.FromResult(ChangelogAudit.Read(EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers).Consumer("audit"), Topic + ChangelogOptions.DefaultTopicSuffix)),
            audit => model.All(p => audit.LastVersion(p.Key) == p.Value.Keys.Max()),
            deadline,
            "every change to reach the changelog");

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        Kafka.Dispose();
    }
}
