using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Ingestion;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A whole system for one fault test, so its faults disturb no other test: an embedded Kafka cluster of its own with
/// a fresh topic, a durable <c>redis-server</c>, silos reading the topic, an SDK client host and a producer.
/// </summary>
public sealed class FaultTestCluster : InProcessClusterFixture, IAsyncDisposable
{
    public const int Partitions = KafkaIngestionFixture.Partitions;

    // The grain type id of HotDataGrain, which starts the rest of its storage keys.
    private const string HotDataGrainStoragePrefix = "hotdata/";

    private readonly InProcessClusterDescription _description;

    private FaultTestCluster(InProcessClusterDescription description) => _description = description;

    protected override InProcessClusterDescription Description => _description;

    /// <summary>Starts everything; <paramref name="configureSilo"/> changes each silo's host builder (storage decorators).</summary>
    public static async Task<FaultTestCluster> StartAsync(int silos = 2, Action<WebApplicationBuilder>? configureSilo = null)
    {
        var cluster = new FaultTestCluster(new InProcessClusterDescription("faults", silos, Partitions)
        {
            DurableRedis = true,
            ConfigureSilo = configureSilo,
            HttpTimeout = TimeSpan.FromSeconds(60),
            Settings = new Dictionary<string, string?>
            {
                // Faults make every layer log errors by the thousand; the test's own report says what happened.
                ["Logging:LogLevel:Default"] = "Critical",
                ["Logging:LogLevel:Orleans"] = "None",
                ["Logging:LogLevel:OrleansHotData.Silo.Api.ApiExceptionHandler"] = "Error",
            },
        });
        await cluster.InitializeAsync();
        return cluster;
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

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}
