using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Ingestion;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A whole system for one fault test, so its faults disturb no other test: an embedded Kafka cluster of its own with
/// a fresh topic, a durable <c>redis-server</c>, silos reading the topic, an SDK client host and a producer.
/// </summary>
public sealed class FaultTestCluster : IAsyncDisposable
{
    public const int Partitions = KafkaIngestionFixture.Partitions;

    // The grain type id of HotDataGrain, which starts the rest of its storage keys.
    private const string HotDataGrainStoragePrefix = "hotdata/";

    private readonly List<TestSilo> _silos = [];

    private FaultTestCluster(EmbeddedKafkaCluster kafka, RedisServer redis, string topic)
    {
        Kafka = kafka;
        Redis = redis;
        Topic = topic;
    }

    public EmbeddedKafkaCluster Kafka { get; }

    public RedisServer Redis { get; }

    public string Topic { get; }

    public string ClusterId { get; } = "faults-" + Guid.NewGuid().ToString("N")[..8];

    public string GroupId => "group-" + ClusterId;

    public IReadOnlyList<TestSilo> Silos => _silos;

    public TestClientHost ClientHost { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IProducer<string?, byte[]?> Producer { get; private set; } = null!;

    public KafkaClientConfigs KafkaConfigs => EmbeddedKafkaFixture.ForCluster(Kafka.BootstrapServers);

    /// <summary>Starts everything; <paramref name="configureSilo"/> changes each silo's host builder (storage decorators).</summary>
    public static async Task<FaultTestCluster> StartAsync(int silos = 2, Action<WebApplicationBuilder>? configureSilo = null)
    {
        var kafka = EmbeddedKafkaCluster.Start();
        var topic = EmbeddedKafkaFixture.UniqueTopicName("faults");
        kafka.CreateTopic(topic, Partitions);
        kafka.CreateTopic(topic + ".dlq", Partitions);
        kafka.CreateTopic(topic + Grains.Changelog.ChangelogOptions.DefaultTopicSuffix, Partitions);
        var redis = await RedisServer.StartAsync(durable: true);
        var cluster = new FaultTestCluster(kafka, redis, topic);
        try
        {
            cluster.Producer = new ProducerBuilder<string?, byte[]?>(cluster.KafkaConfigs.Producer()).Build();
            for (var i = 0; i < silos; i++)
            {
                var settings = KafkaIngestionFixture.SiloKafkaSettings(kafka.BootstrapServers, topic, cluster.GroupId);
                // Faults make every layer log errors by the thousand; the test's own report says what happened.
                settings["Logging:LogLevel:Default"] = "Critical";
                settings["Logging:LogLevel:Orleans"] = "None";
                settings["Logging:LogLevel:OrleansHotData.Silo.Api.ApiExceptionHandler"] = "Error";
                cluster._silos.Add(await TestSilo.StartAsync(redis.ConnectionString, cluster.ClusterId, settings, configureSilo));
            }

            cluster.ClientHost = await TestClientHost.StartAsync(redis.ConnectionString, cluster.ClusterId);
            cluster.Http = new HttpClient { BaseAddress = new Uri(cluster._silos[0].HttpUrl), Timeout = TimeSpan.FromSeconds(60) };
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A workload that produces to this cluster's topic and writes through the SDK, or through the HTTP API of the first silo.</summary>
    public MixedWorkload NewWorkload(MixedWorkloadOptions? options = null, bool http = false) => new(
        options ?? new MixedWorkloadOptions(),
        WorkloadBindings.Produce(Producer, Topic),
        http ? WorkloadBindings.HttpWrite(Http) : WorkloadBindings.SdkWrite(ClientHost.Client));

    /// <summary>Reads through the SDK client host.</summary>
    public Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> Read =>
        WorkloadBindings.SdkRead(ClientHost.Client);

    /// <summary>The consumer group's committed offset of every partition (-1 where none is committed).</summary>
    public IReadOnlyList<long> CommittedOffsets()
    {
        // Assign-mode offset queries only: this consumer never joins the group, so it cannot disturb the silos' commits.
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaConfigs.Consumer(GroupId)).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        return [.. consumer.Committed(partitions, TimeSpan.FromSeconds(10)).OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value)];
    }

    /// <summary>
    /// The grain states stored in <paramref name="server"/> (this cluster's Redis or a copy of its files), by entity
    /// key, read in the silos' own storage format.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, HotDataState>> ReadStoredStatesAsync(RedisServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var database = redis.GetDatabase();
        // Keys are "{serviceId}/state/{grain type id}/{grain key}/{grain type}".
        var prefix = $"{ClusterId}/state/";
        var states = new Dictionary<string, HotDataState>(StringComparer.Ordinal);
        await foreach (var redisKey in redis.GetServer(server.ConnectionString).KeysAsync(pattern: prefix + "*"))
        {
            // Only the hot-data grains' states; stream pub-sub states live beside them.
            var rest = redisKey.ToString()[prefix.Length..];
            if (!rest.StartsWith(HotDataGrainStoragePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var grainKey = rest[HotDataGrainStoragePrefix.Length..rest.LastIndexOf('/')];
            var data = await database.StringGetAsync(redisKey);
            if (HotDataStateFormat.Decode((byte[])data!).State is { } state)
            {
                states[grainKey] = state;
            }
        }

        return states;
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed mid-fault leaves Redis down; bring it back so that the silos and client can stop.
        if (!Redis.IsRunning)
        {
            await Redis.RestartAsync();
        }

        Http?.Dispose();
        Producer?.Dispose();
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

        await Redis.DisposeAsync();
        Kafka.Dispose();
    }
}
