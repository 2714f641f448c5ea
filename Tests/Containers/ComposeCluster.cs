using System.Globalization;
using System.Net;
using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Containers;

/// <summary>
/// The compose cluster of <c>docker-compose.yml</c> with <c>docker-compose.test.yml</c>: the silo, broker and Redis
/// images built from their Dockerfiles, then three silos (HTTPS, with a certificate made here), Redis (with a password)
/// and the embedded broker (SASL/PLAIN) started on host networking with loopback ports picked here. Tests reach it only through those ports, the <c>docker</c>
/// client aside. Disposing it saves the containers' logs and removes every container, network and volume it made.
/// </summary>
public sealed class ComposeCluster : IAsyncLifetime
{
    public const string SiloImage = "orleanshotdata-silo:1.0.0";
    public const string BrokerImage = "orleanshotdata-embedded-kafka:1.0.0";
    public const string RedisImage = "orleanshotdata-test-redis:7.0-bookworm";
    public const string Topic = "hotdata.events";
    public const int Partitions = 8;
    public const string ApiKey = "container-test-key-4f1d9a";
    public const string OperatorKey = "container-test-operator-key-8e2b7c";
    public const string KafkaUser = "hotdata";

    /// <summary>The grace period the compose file gives a silo (Shutdown__GracePeriod).</summary>
    public static readonly TimeSpan SiloGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>What <c>docker stop</c> waits before SIGKILL: the compose file's stop_grace_period.</summary>
    public static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan ImageBuildTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private readonly List<HttpClient> _clients = [];
    private bool _started;

    public ComposeCluster()
    {
        Project = "hotdata-test-" + Guid.NewGuid().ToString("N")[..8];
        RedisPort = FreePort.Next();
        KafkaPort = FreePort.Next();
        var taken = new HashSet<int> { RedisPort, KafkaPort };
        Silos = [.. Enumerable.Range(1, 3).Select(i => new ComposeService($"silo{i}", Take(taken), Take(taken), Take(taken)))];
    }

    /// <summary>The compose project name: every container, network and volume of this cluster carries it.</summary>
    public string Project { get; }

    public int RedisPort { get; }

    public int KafkaPort { get; }

    public string RedisPassword { get; } = "redis-" + Guid.NewGuid().ToString("N");

    public string KafkaPassword { get; } = "kafka-" + Guid.NewGuid().ToString("N");

    /// <summary>The API's certificate (HOTDATA_TLS_CERT/KEY): clients of this cluster trust exactly it.</summary>
    public TestCertificates Certificates { get; private set; } = null!;

    public IReadOnlyList<ComposeService> Silos { get; }

    public string KafkaBootstrap => $"127.0.0.1:{KafkaPort}";

    public IProducer<string?, byte[]?> Producer { get; private set; } = null!;

    /// <summary>Where the container logs go when the cluster is removed.</summary>
    public string LogDirectory { get; } = TestArtifacts.Directory("containers");

    /// <summary>How long building the images took (cached layers make later runs fast).</summary>
    public TimeSpan ImageBuildTime { get; private set; }

    /// <summary>How long the cluster took from <c>docker-compose up</c> until every silo was ready.</summary>
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (ContainerEngine.Host is null)
        {
            return;
        }

        try
        {
            await StartAsync();
        }
        catch
        {
            // The tests will not run; nothing started may stay behind.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var root = ProjectOutput.RepositoryRoot();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The real Dockerfiles, built the way a user builds them (the base images are the engine's, made locally).
        await ContainerEngine.DockerNiceAsync(ImageBuildTimeout, "build", "--network", "host", "-f", Path.Combine(root, "Silo", "Dockerfile"), "-t", SiloImage, root);
        await ContainerEngine.DockerNiceAsync(ImageBuildTimeout, "build", "--network", "host", "-f", Path.Combine(root, "EmbeddedKafka", "Dockerfile"), "-t", BrokerImage, root);
        await ContainerEngine.DockerNiceAsync(ImageBuildTimeout, "build", "--network", "host", "-f", Path.Combine(root, "Tests", "Containers", "Redis.Dockerfile"), "-t", RedisImage, Path.Combine(root, "Tests", "Containers"));
        ImageBuildTime = clock.Elapsed;

        Certificates = TestCertificates.Create(Directory.CreateDirectory(Path.Combine(LogDirectory, Project + "-tls")).FullName);
        var kafkaUsers = Path.Combine(Certificates.Directory, "kafka-users");
        await File.WriteAllTextAsync(kafkaUsers, $"{KafkaUser}:{KafkaPassword}\n");
        if (!OperatingSystem.IsWindows())
        {
            // The broker's user in its container reads it (a compose secret is the file itself, bind-mounted).
            File.SetUnixFileMode(kafkaUsers, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        _environment["HOTDATA_API_KEY"] = ApiKey;
        _environment["HOTDATA_OPERATOR_KEY"] = OperatorKey;
        _environment["REDIS_PASSWORD"] = RedisPassword;
        _environment["KAFKA_PASSWORD"] = KafkaPassword;
        _environment["HOTDATA_TLS_CERT"] = Certificates.ServerCertificatePath;
        _environment["HOTDATA_TLS_KEY"] = Certificates.ServerKeyPath;
        _environment["HOTDATA_TEST_KAFKA_USERS_FILE"] = kafkaUsers;
        _environment["HOTDATA_TEST_REDIS_PORT"] = Invariant(RedisPort);
        _environment["HOTDATA_TEST_KAFKA_PORT"] = Invariant(KafkaPort);
        foreach (var silo in Silos)
        {
            var prefix = "HOTDATA_TEST_" + silo.Name.ToUpperInvariant();
            _environment[prefix + "_HTTP_PORT"] = Invariant(silo.HttpPort);
            _environment[prefix + "_SILO_PORT"] = Invariant(silo.SiloPort);
            _environment[prefix + "_GATEWAY_PORT"] = Invariant(silo.GatewayPort);
        }

        var merged = await ContainerEngine.ComposeAsync(_environment, TimeSpan.FromMinutes(1),
            "-f", Path.Combine(root, "docker-compose.yml"), "-f", Path.Combine(root, "docker-compose.test.yml"), "config", "--no-interpolate");
        await File.WriteAllTextAsync(ComposeFile, HostNetworkCompose.WithoutPublishedPorts(merged));

        clock.Restart();
        _started = true;
        await ComposeAsync(StartTimeout, "up", "-d", "--no-build");
        foreach (var silo in Silos)
        {
            await WaitUntilReadyAsync(silo, Certificates, StartTimeout);
        }

        StartTime = clock.Elapsed;
        // The test process loads the same bundled librdkafka the broker and the silos use.
        OrleansHotData.EmbeddedKafka.Native.LibrdkafkaLibrary.PreferBundledLibrary();
        var producer = EmbeddedKafkaFixture.ForCluster(KafkaBootstrap).Producer();
        producer.SecurityProtocol = SecurityProtocol.SaslPlaintext;
        producer.SaslMechanism = SaslMechanism.Plain;
        producer.SaslUsername = KafkaUser;
        producer.SaslPassword = KafkaPassword;
        Producer = new ProducerBuilder<string?, byte[]?>(producer).Build();
    }

    /// <summary>
    /// An HTTPS client for a silo's published API port, trusting the cluster's certificate and sending the compose
    /// file's API key (roles reader and writer; <paramref name="apiKey"/> for another).
    /// </summary>
    public HttpClient Http(ComposeService silo, string apiKey = ApiKey)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var client = new HttpClient(Certificates.PinnedHandler()) { BaseAddress = silo.HttpUrl, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>The id of the container running <paramref name="service"/>.</summary>
    public Task<string> ContainerIdAsync(string service) => ComposeAsync(TimeSpan.FromSeconds(30), "ps", "-q", service);

    /// <summary>Runs a <c>docker-compose</c> command of this project.</summary>
    public Task<string> ComposeAsync(TimeSpan timeout, params string[] arguments) =>
        ContainerEngine.ComposeAsync(_environment, timeout, ["-p", Project, "-f", ComposeFile, .. arguments]);

    /// <summary>The compose file the cluster runs from (see <see cref="HostNetworkCompose"/>), beside its logs.</summary>
    public string ComposeFile => Path.Combine(LogDirectory, Project + ".compose.yml");

    /// <summary>Waits until <paramref name="silo"/>'s <c>/health/ready</c> answers 200 on its published port.</summary>
    public static async Task WaitUntilReadyAsync(ComposeService silo, TestCertificates certificates, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(certificates);
        using var http = new HttpClient(certificates.PinnedHandler()) { BaseAddress = silo.HttpUrl, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                return response.StatusCode == HttpStatusCode.OK;
            },
            timeout,
            $"{silo.Name} to be ready at {silo.HttpUrl}health/ready");
    }

    public async Task DisposeAsync()
    {
        Producer?.Dispose();
        Producer = null!;
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        if (!_started)
        {
            Certificates?.Dispose();
            return;
        }

        _started = false;
        try
        {
            var logs = await ComposeAsync(TimeSpan.FromMinutes(1), "logs", "--no-color", "--timestamps");
            await File.WriteAllTextAsync(Path.Combine(LogDirectory, Project + ".log"), logs);
        }
        finally
        {
            // Stops the silos gracefully (within the compose file's grace period), then removes containers and volumes.
            await ComposeAsync(TimeSpan.FromMinutes(3), "down", "--volumes", "--remove-orphans", "--timeout", Invariant((int)StopGracePeriod.TotalSeconds));
            Certificates?.Dispose();
        }
    }

    private static int Take(HashSet<int> taken)
    {
        while (true)
        {
            var port = FreePort.Next();
            if (taken.Add(port))
            {
                return port;
            }
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
