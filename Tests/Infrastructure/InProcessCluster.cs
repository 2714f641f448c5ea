using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Ingestion;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// The in-process counterpart of the cluster harness's <c>LocalCluster</c>, for fixtures whose silos run inside the
/// test process: the embedded Kafka broker, a real <c>redis-server</c>, a fresh topic with its dead-letter and changelog
/// topics, silos reading it as one consumer group, an HTTP client per silo, an optional SDK client host, and a producer.
/// Started from one <see cref="InProcessClusterDescription"/>; disposed in reverse order.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<TestSilo> _silos = [];
    private readonly List<HttpClient> _http = [];

    private InProcessCluster(EmbeddedKafkaCluster kafka, string clusterId)
    {
        Kafka = kafka;
        ClusterId = clusterId;
    }

    public EmbeddedKafkaCluster Kafka { get; }

    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The cluster and service id; the consumer group is <c>group-</c> followed by it.</summary>
    public string ClusterId { get; }

    public string Topic { get; private set; } = null!;

    public IReadOnlyList<TestSilo> Silos => _silos;

    /// <summary>One HTTP client per silo, in <see cref="Silos"/> order.</summary>
    public IReadOnlyList<HttpClient> Http => _http;

    /// <summary>The SDK client host; <see langword="null"/> when the description asked for none.</summary>
    public TestClientHost? ClientHost { get; private set; }

    public IProducer<string?, byte[]?> Producer { get; private set; } = null!;

    public KafkaClientConfigs KafkaConfigs => EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers);

    public static async Task<InProcessCluster> StartAsync(InProcessClusterDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        // The broker first: it points Confluent.Kafka at the bundled librdkafka before any client exists in the process.
        var cluster = new InProcessCluster(EmbeddedKafkaCluster.Start(), $"{description.Prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            cluster.Redis = await RedisServer.StartAsync();
            cluster.Topic = cluster.Kafka.CreateTopicWithDeadLetters(description.Prefix, description.Partitions);
            cluster.Producer = new ProducerBuilder<string?, byte[]?>(cluster.KafkaConfigs.Producer()).Build();
            var settings = KafkaIngestionFixture.SiloKafkaSettings(cluster.Kafka.BootstrapServers, cluster.Topic, "group-" + cluster.ClusterId, description.Partitions);
            foreach (var (name, value) in description.Settings)
            {
                settings[name] = value;
            }

            for (var i = 0; i < description.Silos; i++)
            {
                var silo = await TestSilo.StartAsync(cluster.Redis.ConnectionString, cluster.ClusterId, settings);
                cluster._silos.Add(silo);
                cluster._http.Add(new HttpClient { BaseAddress = new Uri(silo.HttpUrl) });
            }

            if (description.ClientHost)
            {
                cluster.ClientHost = await TestClientHost.StartAsync(cluster.Redis.ConnectionString, cluster.ClusterId);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Produces one record and waits for the broker's acknowledgement; <see langword="null"/> <paramref name="value"/> is a tombstone.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string topic, string? key, string? value, params (string Name, string Value)[] headers) =>
        Producer.ProduceAsync(topic, TestRecords.Create(key, value, headers));

    public async ValueTask DisposeAsync()
    {
        Producer?.Dispose();
        _http.ForEach(h => h.Dispose());
        if (ClientHost is not null)
        {
            await ClientHost.DisposeAsync();
        }

        foreach (var silo in _silos.AsEnumerable().Reverse())
        {
            await silo.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        Kafka.Dispose();
    }
}

/// <summary>What an <see cref="InProcessCluster"/> starts.</summary>
/// <param name="Prefix">Starts the topic's and the cluster id's names.</param>
/// <param name="Silos">How many silos.</param>
/// <param name="Partitions">The topic's partitions (and its dead-letter and changelog topics').</param>
public sealed record InProcessClusterDescription(string Prefix, int Silos, int Partitions)
{
    /// <summary>Whether an SDK client host is started beside the silos. Default yes.</summary>
    public bool ClientHost { get; init; } = true;

    /// <summary>Silo settings besides the Kafka ones, overriding them.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
