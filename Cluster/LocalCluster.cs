namespace OrleansHotData.Cluster;

/// <summary>What a <see cref="LocalCluster"/> runs.</summary>
public sealed record ClusterDescription
{
    /// <summary>How many silo processes.</summary>
    public int Silos { get; init; } = 1;

    /// <summary>A Redis to use; when null the cluster starts its own <c>redis-server</c>.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary>How to run the cluster's own Redis.</summary>
    public RedisOptions Redis { get; init; } = new();

    /// <summary>A Kafka to use; when null the cluster starts the embedded broker with its topics.</summary>
    public string? KafkaBootstrapServers { get; init; }

    /// <summary>The topic the silos read.</summary>
    public string Topic { get; init; } = "hotdata.events";

    /// <summary>Its partition count.</summary>
    public int Partitions { get; init; } = 8;

    /// <summary>The changelog topic the cluster's own broker also makes; <c>{Topic}.changes</c> when null.</summary>
    public string? ChangelogTopic { get; init; }

    /// <summary>The cluster and service id; the silo's default when null.</summary>
    public string? ClusterId { get; init; }

    /// <summary>
    /// Each silo's description from its index and name; the cluster fills in Redis, Kafka, topic, cluster id and log
    /// folder. Default: nothing more.
    /// </summary>
    public Func<int, SiloDescription, SiloDescription> Silo { get; init; } = (_, silo) => silo;

    /// <summary>Where logs (and the broker's endpoints file) go.</summary>
    public string LogDirectory { get; init; } = Path.GetTempPath();

    /// <summary>How long each part may take to stop (SIGTERM) before it is killed.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reports what the cluster does, one line at a time (started, stopping).</summary>
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>The changelog topic.</summary>
    public string EffectiveChangelogTopic => ChangelogTopic ?? Topic + ".changes";
}

/// <summary>
/// A whole system on this machine: a <c>redis-server</c> and the embedded Kafka broker of its own (or configured ones)
/// and N silo processes joined into one cluster through Redis. Disposing stops what it started, in reverse order:
/// the silos together (they commit their offsets and leave while the broker and Redis are there), then the broker,
/// then Redis.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly ClusterDescription _description;
    private readonly List<SiloProcess> _silos = [];
    private int _disposed;

    private LocalCluster(ClusterDescription description) => _description = description;

    /// <summary>What it was started from.</summary>
    public ClusterDescription Description => _description;

    /// <summary>The cluster's own Redis; null when configured.</summary>
    public RedisProcess? Redis { get; private set; }

    /// <summary>The cluster's own broker; null when configured.</summary>
    public BrokerProcess? Broker { get; private set; }

    /// <summary>The Redis the silos use.</summary>
    public string RedisConnectionString { get; private set; } = "";

    /// <summary>The Kafka the silos read.</summary>
    public string KafkaBootstrapServers { get; private set; } = "";

    /// <summary>The silos, in start order.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>Starts everything and waits until every silo is ready; on failure stops what it started and throws.</summary>
    public static async Task<LocalCluster> StartAsync(ClusterDescription description, CancellationToken cancellationToken = default)
    {
        var cluster = new LocalCluster(description);
        try
        {
            await cluster.StartPartsAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(CancellationToken cancellationToken)
    {
        var d = _description;
        Directory.CreateDirectory(d.LogDirectory);
        if (d.RedisConnectionString is null)
        {
            Redis = await RedisProcess.StartAsync(d.Redis, cancellationToken);
            RedisConnectionString = Redis.ConnectionString;
            d.Log($"started redis-server on {RedisConnectionString} (pid {Redis.Process!.Id})");
        }
        else
        {
            RedisConnectionString = d.RedisConnectionString;
            d.Log($"using the configured Redis at {RedisConnectionString}");
        }

        if (d.KafkaBootstrapServers is null)
        {
            Broker = await BrokerProcess.StartAsync(
                new BrokerOptions([(d.Topic, d.Partitions), (d.EffectiveChangelogTopic, d.Partitions)]) { LogDirectory = d.LogDirectory },
                cancellationToken);
            KafkaBootstrapServers = Broker.BootstrapServers;
            d.Log($"started the embedded Kafka broker on {KafkaBootstrapServers} (pid {Broker.Process.Id}, topics {d.Topic}, {d.Topic}.dlq and the changelog {d.EffectiveChangelogTopic}, {d.Partitions} partitions each, log {Broker.Process.LogPath})");
        }
        else
        {
            KafkaBootstrapServers = d.KafkaBootstrapServers;
            d.Log($"using the configured Kafka at {KafkaBootstrapServers} (topic {d.Topic}, {d.Partitions} partitions, and the changelog {d.EffectiveChangelogTopic}; they must exist there)");
        }

        // All silos start at once; they join one cluster through the Redis membership table.
        for (var i = 0; i < d.Silos; i++)
        {
            var name = $"silo-{i}";
            var silo = SiloProcess.Launch(d.Silo(i, new SiloDescription(name, RedisConnectionString)
            {
                ClusterId = d.ClusterId,
                KafkaBootstrapServers = KafkaBootstrapServers,
                Topic = d.Topic,
                Partitions = d.Partitions,
                LogDirectory = d.LogDirectory,
            }));
            _silos.Add(silo);
            d.Log($"starting {name} (pid {silo.Id}, {silo.HttpUrl}, silo port {silo.SiloPort}, gateway {silo.GatewayPort}, log {silo.LogPath})");
        }

        foreach (var silo in _silos)
        {
            await silo.WaitForReadyAsync(cancellationToken);
        }
    }

    /// <summary>Stops what it started, in reverse order: the silos together, then the broker, then Redis.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var grace = _description.StopGrace;
        await Task.WhenAll(_silos.Select(async silo =>
        {
            if (!silo.HasExited && await silo.Process.StopAsync(grace) is null)
            {
                _description.Log($"{silo.Name} (pid {silo.Id}) did not stop within {grace.TotalSeconds:0}s; killed it");
            }

            await silo.DisposeAsync();
        }));
        if (Broker is not null)
        {
            await Broker.StopAsync(grace);
            await Broker.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.StopAsync(grace);
            await Redis.DisposeAsync();
        }
    }
}
