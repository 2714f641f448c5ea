using Xunit.Abstractions;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using OrleansHotData.Silo.Operations;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A cluster of silo processes reading one topic: started together, then killed, stopped and replaced one at a time.
/// Every silo it ever started is stopped (or killed) when it is disposed.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    /// <summary>How long a graceful stop may take before the silo is killed and the stop reported as failed.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan ViewTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions ViewJson = new(JsonSerializerDefaults.Web);

    private readonly ProcessClusterFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly List<SiloProcess> _members = [];
    private readonly List<SiloProcess> _started = [];
    private readonly Lock _sync = new();
    private readonly ConcurrentDictionary<SiloProcess, HttpClient> _http = new();
    private int _nextNumber;

    private ProcessCluster(ProcessClusterFixture fixture, string topic, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        Topic = topic;
        ClusterId = "procs-" + Guid.NewGuid().ToString("N")[..8];
        LogDirectory = Path.Combine(fixture.LogDirectory, ClusterId);
    }

    public string Topic { get; }

    public string ClusterId { get; }

    public string ConsumerGroupId => "group-" + ClusterId;

    public string LogDirectory { get; }

    /// <summary>The silos that are members now: started and neither killed nor stopped.</summary>
    public IReadOnlyList<SiloProcess> Silos
    {
        get
        {
            lock (_sync)
            {
                return [.. _members];
            }
        }
    }

    public static async Task<ProcessCluster> StartAsync(ProcessClusterFixture fixture, string topic, int silos, ITestOutputHelper output)
    {
        var cluster = new ProcessCluster(fixture, topic, output);
        try
        {
            // One after another: on two cores, parallel start-ups mostly compete for the same CPU.
            for (var i = 0; i < silos; i++)
            {
                await cluster.StartSiloAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo and waits until it is ready.</summary>
    public async Task<SiloProcess> StartSiloAsync()
    {
        var name = "silo-" + Interlocked.Increment(ref _nextNumber).ToString(CultureInfo.InvariantCulture);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var silo = await SiloProcess.StartAsync(name, _fixture.Redis.ConnectionString, ClusterId, LogDirectory, SiloSettings());
        lock (_sync)
        {
            _members.Add(silo);
            _started.Add(silo);
        }

        Log($"{name} ready in {started.Elapsed.TotalSeconds:0.0} s (pid {silo.Id}, {silo.HttpUrl}, silo port {silo.SiloPort})");
        return silo;
    }

    /// <summary>Kills <paramref name="silo"/> with SIGKILL.</summary>
    public void Kill(SiloProcess silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        Leave(silo);
        silo.Kill();
        Log($"{silo.Name} killed (SIGKILL, pid {silo.Id})");
    }

    /// <summary>Stops <paramref name="silo"/> with SIGTERM and waits for it to exit; returns how long that took.</summary>
    public async Task<TimeSpan> StopAsync(SiloProcess silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        Leave(silo);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var code = await silo.StopAsync(StopTimeout);
        Log($"{silo.Name} stopped by SIGTERM in {stopping.Elapsed.TotalSeconds:0.0} s, exit code {code}");
        Assert.True(code == 0, $"{silo.Name} exited with code {code} after SIGTERM. {silo.DescribeLog()}");
        return stopping.Elapsed;
    }

    /// <summary>
    /// The partitions <paramref name="silo"/> reads now, as it tells on <c>/ops/cluster</c>. A silo that is no longer a
    /// member (killed or stopped) or does not answer reads nothing: a killed silo's partitions are read by nobody until
    /// a survivor reports them.
    /// </summary>
    public IReadOnlySet<int> PartitionsReadBy(SiloProcess silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return Silos.Contains(silo) && TryView(silo) is { } view ? view.PartitionsOf(Topic) : new SortedSet<int>();
    }

    /// <summary>Waits until the members between them read every partition exactly once, as each of them tells.</summary>
    public Task WaitForEveryPartitionReadOnceAsync(TimeSpan timeout) =>
        Eventually.TrueAsync(async () =>
        {
            var views = await Task.WhenAll(Silos.Select(TryViewAsync));
            if (views.Any(view => view is null))
            {
                return false;
            }

            var owned = views.SelectMany(view => view!.PartitionsOf(Topic)).ToList();
            return owned.Count == ProcessClusterFixture.Partitions && owned.Distinct().Count() == ProcessClusterFixture.Partitions;
        }, timeout, "every partition to be read by exactly one silo");

    /// <summary>
    /// When <paramref name="dead"/> was declared dead (the declaring silo's vote in the membership table), as a local
    /// time of day, as the members tell on <c>/ops/cluster</c>; <see langword="null"/> if none says so (yet).
    /// </summary>
    public TimeOnly? DeathDeclaredAt(SiloProcess dead)
    {
        ArgumentNullException.ThrowIfNull(dead);
        var times = MemberViews()
            .SelectMany(view => view.Members)
            .Where(member => member.Port() == dead.SiloPort && member.DeclaredDeadAt is not null)
            .Select(member => member.DeclaredDeadAt!.Value)
            .ToList();
        return times.Count == 0 ? null : TimeOnly.FromDateTime(times.Min().LocalDateTime);
    }

    /// <summary>
    /// The silos another silo declared dead, by name, as the members tell on <c>/ops/cluster</c> (the membership table
    /// keeps every silo that ever joined). A silo declared dead while it is alive (a false positive of failure
    /// detection) shows up here too; one that stopped by itself does not.
    /// </summary>
    public IReadOnlySet<string> DeclaredDead()
    {
        List<SiloProcess> started;
        lock (_sync)
        {
            started = [.. _started];
        }

        var views = MemberViews();
        Assert.True(views.Count > 0, "No member answered on " + OperationsEndpoints.ClusterPath + ".");
        var declaredPorts = views
            .SelectMany(view => view.Members)
            .Where(member => member.DeclaredDeadBy is not null)
            .Select(member => member.Port())
            .ToHashSet();
        return started.Where(s => declaredPorts.Contains(s.SiloPort)).Select(s => s.Name).ToHashSet();
    }

    /// <summary>Which silo reads which partitions, for the test output.</summary>
    public string DescribeOwnership() =>
        string.Join(", ", Silos.Select(s => $"{s.Name}: [{string.Join(",", PartitionsReadBy(s))}]"));

    /// <summary>
    /// A workload that produces to the topic and writes through the HTTP API of a member chosen at random for each
    /// write: a write sent to a silo that dies or stops before answering has an unknown outcome, as for any client.
    /// </summary>
    public MixedWorkload NewWorkload(MixedWorkloadOptions? options = null) => new(
        options ?? new MixedWorkloadOptions(),
        WorkloadBindings.Produce(_fixture.Producer, Topic),
        (write, cancellationToken) =>
        {
            var members = Silos;
            if (members.Count == 0)
            {
                return Task.FromException(new HttpRequestException("No silo is running to send the write to."));
            }

            return WorkloadBindings.HttpWrite(Http(members[Random.Shared.Next(members.Count)]))(write, cancellationToken);
        });

    /// <summary>Reads through the HTTP API of the first member.</summary>
    public Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> Read =>
        (keys, cancellationToken) => WorkloadBindings.HttpRead(Http(Silos[0]))(keys, cancellationToken);

    /// <summary>An HTTP client for <paramref name="silo"/>'s API.</summary>
    public HttpClient Http(SiloProcess silo) =>
        _http.GetOrAdd(silo, s => new HttpClient { BaseAddress = new Uri(s.HttpUrl), Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>Waits until the consumer group has committed every partition up to its end: everything produced was read and finished with.</summary>
    public Task WaitForCommitsAtEndAsync(TimeSpan timeout)
    {
        var configs = _fixture.KafkaConfigs;
        var partitions = Enumerable.Range(0, ProcessClusterFixture.Partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        return Eventually.ReturnsAsync(
            () => Task.Run(() =>
            {
                // Offset queries only: this consumer never joins the group, so it cannot disturb the silos' commits.
                using var consumer = new ConsumerBuilder<byte[], byte[]>(configs.Consumer(ConsumerGroupId)).Build();
                var ends = partitions.Select(p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
                var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value);
                return (Ends: string.Join(",", ends), Committed: string.Join(",", committed));
            }),
            offsets => offsets.Ends == offsets.Committed,
            timeout,
            "the consumer group to commit every partition to its end");
    }

    public void Log(string message) => _output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {message}");

    private Dictionary<string, string?> SiloSettings() => new()
    {
        ["Kafka:BootstrapServers"] = _fixture.Kafka.BootstrapServers,
        ["Kafka:ConsumerGroupId"] = ConsumerGroupId,
        ["Kafka:Topics:0:Name"] = Topic,
        ["Kafka:Topics:0:Partitions"] = ProcessClusterFixture.Partitions.ToString(CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
        // Partition start and stop lines and membership changes, for reading a failed run's logs; the tests learn both
        // from the silos' /ops/cluster.
        ["Logging:LogLevel:Orleans.Streaming.Kafka"] = "Information",
        ["Logging:LogLevel:Orleans.Runtime.MembershipService"] = "Information",
        // Which silo sent a dead silo's unsent changelog records, and how many keys it activated for that.
        ["Logging:LogLevel:OrleansHotData.Grains.Changelog.ChangelogRecovery"] = "Information",
    };

    /// <summary>The changelog recoveries the silos logged (see ChangelogRecovery), for the test's report.</summary>
    public IEnumerable<string> ChangelogRecoveries() =>
        Silos.SelectMany(s => s.LogLinesContaining("Changelog recovery (").Select(line => $"{s.Name}: {line}"));

    private void Leave(SiloProcess silo)
    {
        lock (_sync)
        {
            _members.Remove(silo);
        }
    }

    /// <summary>The views of the members that answer.</summary>
    private List<ClusterView> MemberViews() => [.. Silos.Select(TryView).OfType<ClusterView>()];

    /// <summary><paramref name="silo"/>'s <c>/ops/cluster</c>, synchronously (for the synchronous queries above); <see langword="null"/> when it does not answer.</summary>
    private ClusterView? TryView(SiloProcess silo)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ViewTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, OperationsEndpoints.ClusterPath);
            using var response = Http(silo).Send(request, timeout.Token);
            response.EnsureSuccessStatusCode();
            using var body = response.Content.ReadAsStream(timeout.Token);
            return JsonSerializer.Deserialize<ClusterView>(body, ViewJson);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or IOException)
        {
            Log($"{silo.Name}: {OperationsEndpoints.ClusterPath} did not answer: {ex.Message}");
            return null;
        }
    }

    private async Task<ClusterView?> TryViewAsync(SiloProcess silo)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ViewTimeout);
            return await ClusterViews.GetAsync(Http(silo), timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or IOException)
        {
            Log($"{silo.Name}: {OperationsEndpoints.ClusterPath} did not answer: {ex.Message}");
            return null;
        }
    }

    /// <summary>Stops every silo still running, all at once; kills those that do not stop in time.</summary>
    public async ValueTask DisposeAsync()
    {
        List<SiloProcess> started;
        lock (_sync)
        {
            started = [.. _started];
            _members.Clear();
        }

        await Task.WhenAll(started.Select(async silo =>
        {
            try
            {
                if (!silo.HasExited)
                {
                    await silo.StopAsync(StopTimeout);
                }
            }
            catch (TimeoutException ex)
            {
                Log(ex.Message);
            }
            finally
            {
                await silo.DisposeAsync();
            }
        }));
        foreach (var client in _http.Values)
        {
            client.Dispose();
        }

        Log($"silo logs: {LogDirectory}");
    }
}
