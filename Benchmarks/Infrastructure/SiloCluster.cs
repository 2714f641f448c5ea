using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansHotData.Client;

namespace OrleansHotData.Benchmarks.Infrastructure;

/// <summary>
/// Silo processes started from the silo's Release build, configured through the environment as <c>hotdata up</c>
/// does, joined through the benchmark's Redis and reading one Kafka topic; and an SDK client host beside them.
/// </summary>
public sealed class SiloCluster : IAsyncDisposable
{
    private readonly List<ChildProcess> _silos;
    private readonly IHost _clientHost;
    private int _disposed;

    private SiloCluster(List<ChildProcess> silos, IReadOnlyList<Uri> httpEndpoints, IHost clientHost, string topic)
    {
        _silos = silos;
        HttpEndpoints = httpEndpoints;
        _clientHost = clientHost;
        Topic = topic;
    }

    public IReadOnlyList<ChildProcess> Silos => _silos;

    public IReadOnlyList<Uri> HttpEndpoints { get; }

    /// <summary>The topic every silo reads.</summary>
    public string Topic { get; }

    public IHotDataClient Client => _clientHost.Services.GetRequiredService<IHotDataClient>();

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
        var silo = siloAssembly ?? RepositoryLayout.SiloAssembly(RepositoryLayout.Root());
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var silos = new List<ChildProcess>();
        var endpoints = new List<Uri>();
        try
        {
            for (var i = 0; i < siloCount; i++)
            {
                var http = new Uri($"http://127.0.0.1:{FreePort.Next()}");
                var environment = new Dictionary<string, string>
                {
                    ["ConnectionStrings__Redis"] = redisConnectionString,
                    ["Orleans__ClusterId"] = clusterId,
                    ["Orleans__ServiceId"] = clusterId,
                    ["Orleans__Endpoints__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    ["Orleans__Endpoints__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    ["Urls"] = http.ToString().TrimEnd('/'),
                    ["Security__RequireAuthentication"] = "false",
                    // The benchmark is one client: the per-client rate limit would measure the limit, not the silo.
                    ["Security__RateLimit__PermitsPerSecond"] = "0",
                    ["Kafka__BootstrapServers"] = kafkaBootstrap,
                    ["Kafka__ConsumerGroupId"] = clusterId,
                    ["Kafka__Topics__0__Name"] = topic,
                    ["Kafka__Topics__0__Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["Shutdown__GracePeriod"] = "00:00:10",
                };
                foreach (var (name, value) in settings ?? new Dictionary<string, string>())
                {
                    environment[name] = value;
                }

                var process = ChildProcess.Start(
                    $"silo-{i}",
                    "dotnet",
                    [silo],
                    Path.Combine(logDirectory, $"silo-{i}.log"),
                    environment,
                    Path.GetDirectoryName(silo));
                silos.Add(process);
                endpoints.Add(http);
                await WaitForHttpAsync(process, new Uri(http, "/openapi/v1.json"), TimeSpan.FromSeconds(120), cancellationToken);
            }

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddHotDataClient(o =>
            {
                o.RedisConnectionString = redisConnectionString;
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            });
            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            return new SiloCluster(silos, endpoints, host, topic);
        }
        catch
        {
            foreach (var process in Enumerable.Reverse(silos))
            {
                await process.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>CPU time the silos have used so far, summed.</summary>
    public TimeSpan CpuTime() => TimeSpan.FromTicks(_silos.Sum(s => s.CpuTime().Ticks));

    /// <summary>The silos' resident memory, summed.</summary>
    public long ResidentBytes() => _silos.Sum(s => s.ResidentBytes());

    private static async Task WaitForHttpAsync(ChildProcess process, Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited during start-up; its log ({process.LogPath}) ends with:\n{process.Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{process.Name} did not answer on {url} within {timeout.TotalSeconds:0} s; see {process.LogPath}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        _clientHost.Dispose();
        // Stopped together: each gets its grace period to hand its partitions over and leave.
        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask()));
    }
}
