using OrleansHotData.Benchmarks.Infrastructure;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Cluster;
using OrleansHotData.EmbeddedKafka;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks;

/// <summary>What every scenario shares: the running parts, the options, and the rows found so far.</summary>
public sealed class BenchmarkContext(
    BenchmarkOptions options,
    EmbeddedKafkaCluster kafka,
    RedisProcess redis,
    ConnectionMultiplexer redisConnection,
    SiloCluster cluster,
    ProgressLog progress)
{
    public const int Partitions = 8;

    private readonly string _runId = Guid.NewGuid().ToString("N")[..6];
    private int _topics;

    public BenchmarkOptions Options => options;

    public EmbeddedKafkaCluster Kafka => kafka;

    public RedisProcess Redis => redis;

    /// <summary>The benchmark's own connection to <see cref="Redis"/> (the baselines' and the measurements').</summary>
    public ConnectionMultiplexer RedisConnection => redisConnection;

    public IDatabase RedisDatabase => redisConnection.GetDatabase();

    /// <summary>The Redis server's <c>used_memory</c> in bytes.</summary>
    public async Task<long> RedisUsedMemoryAsync()
    {
        var server = redisConnection.GetServer(redisConnection.GetEndPoints()[0]);
        var info = await server.InfoAsync("memory");
        var value = info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value;
        return long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The silo cluster of the scenario being run (each scenario gets a fresh one; see <see cref="BenchmarkRun"/>).</summary>
    public SiloCluster Cluster { get; private set; } = cluster;

    public ProgressLog Progress => progress;

    public List<ResultRow> Rows { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Silo settings (configuration keys) every silo cluster started from now on gets besides the defaults.</summary>
    public Dictionary<string, string> ClusterSettings { get; } = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="next"/> the cluster the following scenarios measure.</summary>
    public void UseCluster(SiloCluster next) => Cluster = next;

    /// <summary>
    /// Replaces the silo cluster with a fresh one reading a fresh topic, warmed up, for a measurement that must not
    /// inherit the topic an earlier one filled. Set by the run.
    /// </summary>
    public Func<string, Task> RestartClusterAsync { get; set; } = _ => Task.CompletedTask;

    /// <summary>A prefix for the keys of one part of a scenario, unique in this run.</summary>
    public string KeyPrefix(string part) => $"b{_runId}:{part}:";

    /// <summary>Creates a fresh topic (and its dead-letter topic) for a baseline run.</summary>
    public string NewTopic(string name)
    {
        var topic = $"bench.{_runId}.{Interlocked.Increment(ref _topics)}.{name}";
        kafka.CreateTopic(topic, Partitions);
        return topic;
    }
}
