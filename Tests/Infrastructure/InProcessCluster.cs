using System.Globalization;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// The in-process counterpart of the cluster harness's <c>LocalCluster</c>, for fixtures whose silos run inside the
/// test process: a real <c>redis-server</c>, the embedded Kafka broker with a fresh topic (and its dead-letter and
/// changelog topics) and a producer, silos reading the topic as one consumer group, an HTTP client per silo and an
/// optional SDK client host. Started from one <see cref="InProcessClusterDescription"/>; disposed in reverse order.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<TestSilo> _silos = [];
    private readonly List<HttpClient> _http = [];
    private readonly InProcessClusterDescription _description;
    private readonly EmbeddedKafkaCluster? _kafka;
    private readonly Dictionary<string, string?> _settings = [];
    private IProducer<string?, byte[]?>? _producer;
    private string? _topic;

    private InProcessCluster(InProcessClusterDescription description, EmbeddedKafkaCluster? kafka)
    {
        _description = description;
        _kafka = kafka;
        ClusterId = $"{description.Prefix}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>The broker; only where the description asked for Kafka.</summary>
    public EmbeddedKafkaCluster Kafka => _kafka ?? throw NoKafka();

    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The cluster and service id; the consumer group is <see cref="GroupId"/>.</summary>
    public string ClusterId { get; }

    public string GroupId => "group-" + ClusterId;

    /// <summary>The topic the silos read; its dead-letter topic is this name followed by <c>.dlq</c>.</summary>
    public string Topic => _topic ?? throw NoKafka();

    public string DeadLetterTopic => Topic + ".dlq";

    /// <summary>The silos the description asked for (not those a test starts with <see cref="StartSiloAsync"/>).</summary>
    public IReadOnlyList<TestSilo> Silos => _silos;

    /// <summary>One HTTP client per silo, in <see cref="Silos"/> order.</summary>
    public IReadOnlyList<HttpClient> Http => _http;

    /// <summary>The SDK client host; <see langword="null"/> when the description asked for none.</summary>
    public ClientHost? ClientHost { get; private set; }

    public IProducer<string?, byte[]?> Producer => _producer ?? throw NoKafka();

    public KafkaClientConfigs KafkaConfigs => EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers);

    /// <summary>What every silo of this cluster is configured with, besides its own ports and the common test settings.</summary>
    public IReadOnlyDictionary<string, string?> SiloSettings => _settings;

    public static async Task<InProcessCluster> StartAsync(InProcessClusterDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        // The broker first: it points Confluent.Kafka at the bundled librdkafka before any client exists in the process.
        var cluster = new InProcessCluster(description, description.Kafka ? EmbeddedKafkaCluster.Start() : null);
        try
        {
            cluster.Redis = await RedisServer.StartAsync(durable: description.DurableRedis, password: description.RedisPassword);
            if (cluster._kafka is { } kafka)
            {
                cluster._topic = kafka.CreateTopicWithDeadLetters(description.Prefix, description.Partitions);
                cluster._producer = new ProducerBuilder<string?, byte[]?>(cluster.KafkaConfigs.Producer()).Build();
                foreach (var (name, value) in SiloKafkaSettings(kafka.BootstrapServers, cluster._topic, cluster.GroupId, description.Partitions))
                {
                    cluster._settings[name] = value;
                }
            }

            foreach (var (name, value) in description.Settings)
            {
                cluster._settings[name] = value;
            }

            for (var i = 0; i < description.Silos; i++)
            {
                var silo = await cluster.StartSiloAsync();
                cluster._silos.Add(silo);
                cluster._http.Add(new HttpClient { BaseAddress = new Uri(silo.HttpUrl), Timeout = description.HttpTimeout });
            }

            if (description.ClientHost)
            {
                cluster.ClientHost = await ClientHost.StartAsync(cluster.Redis.ConnectionString, cluster.ClusterId);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The silo settings that make a silo ingest <paramref name="topic"/> (of <paramref name="partitions"/> partitions) of any broker as consumer group <paramref name="groupId"/>.</summary>
    public static Dictionary<string, string?> SiloKafkaSettings(string bootstrapServers, string topic, string groupId, int partitions) => new()
    {
        ["Kafka:BootstrapServers"] = bootstrapServers,
        ["Kafka:ConsumerGroupId"] = groupId,
        ["Kafka:Topics:0:Name"] = topic,
        ["Kafka:Topics:0:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
        ["Kafka:CommitInterval"] = "00:00:00.200",
    };

    /// <summary>
    /// Starts a further silo of this cluster, with <see cref="SiloSettings"/> and then <paramref name="overrides"/>; the
    /// caller owns it and stops it (a test that stops and starts silos, or prepares Redis before the first one).
    /// </summary>
    public Task<TestSilo> StartSiloAsync(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>(_settings);
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }

        return TestSilo.StartAsync(Redis.ConnectionString, ClusterId, settings, _description.ConfigureSilo);
    }

    /// <summary>Produces one record and waits for the broker's acknowledgement; <see langword="null"/> <paramref name="value"/> is a tombstone.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string topic, string? key, string? value, params (string Name, string Value)[] headers) =>
        Producer.ProduceAsync(topic, TestRecords.Create(key, value, headers));

    public async ValueTask DisposeAsync()
    {
        // A test that failed mid-fault can leave Redis down; bring it back so that the silos and client can stop.
        if (Redis is { IsRunning: false })
        {
            await Redis.RestartAsync();
        }

        _producer?.Dispose();
        _http.ForEach(h => h.Dispose());
        if (ClientHost is not null)
        {
            await ClientHost.DisposeAsync();
        }

        foreach (var silo in _silos.AsEnumerable().Reverse())
        {
            try
            {
                await silo.DisposeAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
                // A silo that cannot stop in time after a fault must not hide the test's own outcome.
            }
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        _kafka?.Dispose();
    }

    private static InvalidOperationException NoKafka() => new("This cluster was described without Kafka.");
}

/// <summary>What an <see cref="InProcessCluster"/> starts.</summary>
/// <param name="Prefix">Starts the topic's and the cluster id's names.</param>
/// <param name="Silos">How many silos the cluster starts and owns (a test may start more with <see cref="InProcessCluster.StartSiloAsync"/>).</param>
/// <param name="Partitions">The topic's partitions (and its dead-letter and changelog topics').</param>
public sealed record InProcessClusterDescription(string Prefix, int Silos, int Partitions = 4)
{
    /// <summary>Whether the embedded broker, a topic and a producer are started and the silos read the topic. Default yes.</summary>
    public bool Kafka { get; init; } = true;

    /// <summary>Whether an SDK client host is started beside the silos. Default yes.</summary>
    public bool ClientHost { get; init; } = true;

    /// <summary>Whether Redis fsyncs every write to an append-only file, so it keeps what it acknowledged across a restart.</summary>
    public bool DurableRedis { get; init; }

    /// <summary>A password Redis asks its clients for.</summary>
    public string? RedisPassword { get; init; }

    /// <summary>Silo settings besides the Kafka ones, overriding them.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Changes each silo's host builder after its settings are added (log capture, storage decorators).</summary>
    public Action<WebApplicationBuilder>? ConfigureSilo { get; init; }

    /// <summary>The timeout of the silos' HTTP clients.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(100);
}
