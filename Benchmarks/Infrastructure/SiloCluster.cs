using OrleansHotData.Client;
using OrleansHotData.Cluster;

namespace OrleansHotData.Benchmarks.Infrastructure;

/// <summary>
/// The benchmark's silo processes — a <see cref="LocalCluster"/> of the silo's Release build on the benchmark's Redis
/// and broker, reading one topic — and an SDK client host beside them.
/// </summary>
public sealed class SiloCluster : IAsyncDisposable
{
    private readonly LocalCluster _cluster;
    private readonly ClientHost _clientHost;
    private int _disposed;

    private SiloCluster(LocalCluster cluster, ClientHost clientHost)
    {
        _cluster = cluster;
        _clientHost = clientHost;
        HttpEndpoints = [.. cluster.Silos.Select(s => new Uri(s.HttpUrl))];
    }

    public IReadOnlyList<ChildProcess> Silos => [.. _cluster.Silos.Select(s => s.Process)];

    public IReadOnlyList<Uri> HttpEndpoints { get; }

    /// <summary>The topic every silo reads.</summary>
    public string Topic => _cluster.Description.Topic;

    public IHotDataClient Client => _clientHost.Client;

    public static async Task<SiloCluster> StartAsync(
        int siloCount,
        string redisConnectionString,
        string kafkaBootstrap,
        string topic,
        int partitions,
        string logDirectory,
        string? siloAssembly,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var silo = siloAssembly ?? RepositoryLayout.SiloAssembly("Release");
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var siloSettings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // The benchmark is one client: the per-client rate limit would measure the limit, not the silo.
            ["Security:RateLimit:PermitsPerSecond"] = "0",
            ["Kafka:ConsumerGroupId"] = clusterId,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Shutdown:GracePeriod"] = "00:00:10",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            // A scenario's own settings (the changelog's on/off) win over the defaults above.
            siloSettings[name] = value;
        }

        var cluster = await LocalCluster.StartAsync(
            new ClusterDescription
            {
                Silos = siloCount,
                RedisConnectionString = redisConnectionString,
                KafkaBootstrapServers = kafkaBootstrap,
                Topic = topic,
                Partitions = partitions,
                ClusterId = clusterId,
                LogDirectory = logDirectory,
                // Each gets its grace period to hand its partitions over and leave.
                StopGrace = TimeSpan.FromSeconds(20),
                Silo = (_, description) => description with
                {
                    Assembly = silo,
                    Settings = siloSettings,
                },
            },
            cancellationToken);
        try
        {
            return new SiloCluster(cluster, await ClientHost.StartAsync(redisConnectionString, clusterId, cancellationToken: cancellationToken));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>CPU time the silos have used so far, summed.</summary>
    public TimeSpan CpuTime() => TimeSpan.FromTicks(_cluster.Silos.Sum(s => s.Process.CpuTime().Ticks));

    /// <summary>The silos' resident memory, summed.</summary>
    public long ResidentBytes() => _cluster.Silos.Sum(s => s.Process.ResidentBytes());

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _clientHost.DisposeAsync();
        await _cluster.DisposeAsync();
    }
}
