using ClusterSilo = OrleansHotData.Cluster.SiloProcess;
using SiloDescription = OrleansHotData.Cluster.SiloDescription;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A silo as an operating-system process: <c>dotnet OrleansHotData.Silo.dll</c> from the silo's own build output,
/// configured through environment variables, its output written to a log file — the Cluster library's silo process
/// with the tests' settings. It can be killed (SIGKILL, as a crash) or stopped (SIGTERM, as an orchestrator does);
/// both act on its process id only.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ClusterSilo _silo;

    private SiloProcess(ClusterSilo silo) => _silo = silo;

    /// <summary>A name for logs and messages, such as <c>silo-1</c>.</summary>
    public string Name => _silo.Name;

    /// <summary>The HTTP API's base address.</summary>
    public string HttpUrl => _silo.HttpUrl;

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort => _silo.SiloPort;

    /// <summary>The client gateway port.</summary>
    public int GatewayPort => _silo.GatewayPort;

    /// <summary>The process id.</summary>
    public int Id => _silo.Id;

    /// <summary>Where the process's standard output and error go.</summary>
    public string LogPath => _silo.LogPath;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _silo.HasExited;

    /// <summary>The silo program in its own build output (Debug or Release, as the tests were built).</summary>
    public static string AssemblyPath => ProjectOutput.AssemblyPath("Silo", "OrleansHotData.Silo.dll");

    /// <summary>
    /// Starts a silo of cluster <paramref name="clusterId"/> on free loopback ports and waits until it is ready
    /// (<c>/health/ready</c> answers 200: Redis answers and the silo is an active cluster member).
    /// </summary>
    /// <param name="name">A name for logs, unique within <paramref name="logDirectory"/>.</param>
    /// <param name="redisConnectionString">Membership and grain state.</param>
    /// <param name="clusterId">The cluster (and service) id.</param>
    /// <param name="logDirectory">Where the log file goes.</param>
    /// <param name="settings">Further configuration, keys with <c>:</c> as in <c>appsettings.json</c>.</param>
    /// <param name="readyTimeout">How long to wait until it is ready; default one minute.</param>
    public static async Task<SiloProcess> StartAsync(
        string name,
        string redisConnectionString,
        string clusterId,
        string logDirectory,
        IReadOnlyDictionary<string, string?>? settings = null,
        TimeSpan? readyTimeout = null)
    {
        var endpoints = TestSiloEndpoints.Allocate();
        var values = endpoints.Settings(redisConnectionString, clusterId, new Dictionary<string, string?>
        {
            // Timestamps, to line a silo's log up with the test's events.
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        }, settings);
        var silo = await ClusterSilo.StartAsync(new SiloDescription(name, redisConnectionString)
        {
            ClusterId = clusterId,
            HttpPort = new Uri(endpoints.HttpUrl).Port,
            SiloPort = endpoints.SiloPort,
            GatewayPort = endpoints.GatewayPort,
            // Everything, the test's own Urls (HTTPS, say) included, where the silo is then asked.
            Settings = values,
            LogDirectory = logDirectory,
            Assembly = AssemblyPath,
            ReadyTimeout = readyTimeout ?? TimeSpan.FromMinutes(1),
        });
        return new SiloProcess(silo);
    }

    /// <summary>Kills the process with SIGKILL, as a crash or <c>kill -9</c> would, and waits for it to end.</summary>
    public void Kill() => _silo.Kill();

    /// <summary>
    /// Asks the silo to stop with SIGTERM and waits for it to exit; returns the exit code. Past the deadline the process
    /// is killed and a <see cref="TimeoutException"/> carries the end of its log.
    /// </summary>
    public Task<int> StopAsync(TimeSpan timeout) => _silo.StopAsync(timeout);

    /// <summary>The last lines of the silo's output.</summary>
    public string LogTail() => _silo.LogTail();

    /// <summary>Where the log is and how it ends, for failure messages.</summary>
    public string DescribeLog() => _silo.DescribeLog();

    /// <summary>The silo's output lines so far that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text) => _silo.LogLinesContaining(text);

    /// <summary>Kills the process if it still runs and closes its log.</summary>
    public ValueTask DisposeAsync() => _silo.DisposeAsync();
}
