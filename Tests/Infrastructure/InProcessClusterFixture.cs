using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A test collection's or class's fixture that is one <see cref="InProcessCluster"/>: a subclass says what it starts
/// (<see cref="Description"/>) and adds what its tests need on top; the parts are reached through here.
/// </summary>
public abstract class InProcessClusterFixture : IAsyncLifetime
{
    private InProcessCluster? _cluster;

    /// <summary>The running cluster.</summary>
    public InProcessCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public EmbeddedKafkaCluster Kafka => Cluster.Kafka;

    public RedisServer Redis => Cluster.Redis;

    public string ClusterId => Cluster.ClusterId;

    public string GroupId => Cluster.GroupId;

    public string Topic => Cluster.Topic;

    public string DeadLetterTopic => Cluster.DeadLetterTopic;

    public IReadOnlyList<TestSilo> Silos => Cluster.Silos;

    /// <summary>The first silo.</summary>
    public TestSilo Silo => Cluster.Silos[0];

    /// <summary>The first silo's HTTP client.</summary>
    public HttpClient Http => Cluster.Http[0];

    /// <summary>One HTTP client per silo, in <see cref="Silos"/> order.</summary>
    public IReadOnlyList<HttpClient> SiloHttp => Cluster.Http;

    public ClientHost ClientHost => Cluster.ClientHost ?? throw new InvalidOperationException("This cluster was described without a client host.");

    public IProducer<string?, byte[]?> Producer => Cluster.Producer;

    public KafkaClientConfigs KafkaConfigs => Cluster.KafkaConfigs;

    /// <summary>What the fixture starts.</summary>
    protected abstract InProcessClusterDescription Description { get; }

    /// <summary>A key no other test uses.</summary>
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public virtual async Task InitializeAsync() => _cluster = await InProcessCluster.StartAsync(Description);

    public virtual async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
