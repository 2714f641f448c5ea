using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Observability;

/// <summary>
/// Real parts for the observability tests: the embedded Kafka broker, a real <c>redis-server</c>, two silos reading
/// one topic, a separate SDK client host, and a producer.
/// </summary>
public sealed class ObservabilityFixture : IAsyncLifetime
{
    public const int Partitions = 4;

    private InProcessCluster _cluster = null!;

    public EmbeddedKafkaCluster Kafka => _cluster.Kafka;

    public RedisServer Redis => _cluster.Redis;

    public string ClusterId => _cluster.ClusterId;

    public string Topic => _cluster.Topic;

    public IReadOnlyList<TestSilo> Silos => _cluster.Silos;

    public IReadOnlyList<HttpClient> Http => _cluster.Http;

    public TestClientHost ClientHost => _cluster.ClientHost!;

    public IProducer<string?, byte[]?> Producer => _cluster.Producer;

    public async Task InitializeAsync() => _cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("observe", Silos: 2, Partitions));

    /// <summary>A key no other test uses.</summary>
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Produces one record and waits for the broker's acknowledgement.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string? key, string? value, params (string Name, string Value)[] headers) =>
        _cluster.ProduceAsync(Topic, key, value, headers);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ObservabilityDefinition : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "observability";
}
