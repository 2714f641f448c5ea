using System.Diagnostics;
using System.Net;

namespace OrleansHotData.Cluster;

/// <summary>
/// A silo as an operating-system process: <c>dotnet OrleansHotData.Silo.dll</c> from its build output, configured
/// through environment variables built from a <see cref="SiloDescription"/>. Started means ready: its
/// <c>/health/ready</c> answers 200 (Redis answers, the silo is an active cluster member, its Kafka receivers run).
/// It can be killed (SIGKILL, as a crash) or stopped (SIGTERM, as an orchestrator does), by its process id only.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private SiloProcess(SiloDescription description, ChildProcess process, SiloPorts ports, string httpUrl)
    {
        Description = description;
        Process = process;
        Ports = ports;
        HttpUrl = httpUrl;
    }

    /// <summary>What the silo was started as.</summary>
    public SiloDescription Description { get; }

    /// <summary>The process.</summary>
    public ChildProcess Process { get; }

    /// <summary>A name for logs and messages.</summary>
    public string Name => Description.Name;

    /// <summary>Its ports.</summary>
    public SiloPorts Ports { get; }

    /// <summary>The HTTP API's base address (the <c>Urls</c> setting when one was given).</summary>
    public string HttpUrl { get; }

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort => Ports.SiloPort;

    /// <summary>The client gateway port.</summary>
    public int GatewayPort => Ports.GatewayPort;

    /// <summary>The process id.</summary>
    public int Id => Process.Id;

    /// <summary>Where the process's output goes.</summary>
    public string LogPath => Process.LogPath;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => Process.HasExited;

    /// <summary>Starts the silo and waits until it is ready.</summary>
    public static async Task<SiloProcess> StartAsync(SiloDescription description, CancellationToken cancellationToken = default)
    {
        var silo = Launch(description);
        try
        {
            await silo.WaitForReadyAsync(cancellationToken);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the silo without waiting; see <see cref="WaitForReadyAsync"/>.</summary>
    public static SiloProcess Launch(SiloDescription description)
    {
        var ports = SiloPorts.For(description);
        var configuration = description.ConfigurationFor(ports);
        var assembly = description.Assembly ?? RepositoryLayout.SiloAssembly();
        var process = ChildProcess.Start(new ChildProcessStart(description.Name, BrokerProcess.DotnetHost(), [assembly], Path.Combine(description.LogDirectory, description.Name + ".log"))
        {
            // The content root, where appsettings.json is found, is the working directory.
            WorkingDirectory = Path.GetDirectoryName(assembly),
            Environment = description.EnvironmentFor(ports),
            DropInheritedPrefixes = description.InheritConfiguration ? [] : SiloDescription.ConfigurationPrefixes,
        });
        // A description may give its own Urls (HTTPS, say): the silo is then asked there.
        var httpUrl = configuration.TryGetValue("Urls", out var urls) && urls is not null ? urls.Split(';')[0] : ports.HttpUrl;
        return new SiloProcess(description, process, ports, httpUrl);
    }

    /// <summary>
    /// Waits until <c>/health/ready</c> answers 200. Throws <see cref="SiloExitedException"/> when the process ends
    /// first and <see cref="TimeoutException"/> past the description's timeout, each with the end of the log.
    /// </summary>
    public async Task WaitForReadyAsync(CancellationToken cancellationToken = default)
    {
        // Readiness only, on loopback: a test of HTTPS checks the certificate with its own client.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(10) };
        var timeout = Description.ReadyTimeout;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Process.HasExited)
            {
                await Process.WaitForExitAsync(cancellationToken);
                throw new SiloExitedException(this);
            }

            try
            {
                using var response = await http.GetAsync("/health/ready", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} (pid {Id}) was not ready on {HttpUrl}/health/ready within {timeout.TotalSeconds:0} s. {Process.DescribeLog()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Kills the process with SIGKILL, as a crash or <c>kill -9</c> would, and waits for it to end.</summary>
    public void Kill() => Process.Kill();

    /// <summary>
    /// Asks the silo to stop with SIGTERM and waits for it to exit; returns the exit code. Past the deadline the process
    /// is killed and a <see cref="TimeoutException"/> carries the end of its log.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan timeout) =>
        await Process.StopAsync(timeout)
        ?? throw new TimeoutException($"{Name} (pid {Id}) did not stop within {timeout.TotalSeconds:0} s of SIGTERM and was killed. {Process.DescribeLog()}");

    /// <summary>The last lines of the silo's output.</summary>
    public string LogTail(int lines = 60) => Process.Tail(lines);

    /// <summary>Where the log is and how it ends, for failure messages.</summary>
    public string DescribeLog() => Process.DescribeLog();

    /// <summary>The silo's output lines so far that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text) => Process.LogLinesContaining(text);

    /// <summary>Kills the process if it still runs and closes its log.</summary>
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>A silo process ended before it was ready.</summary>
public sealed class SiloExitedException(SiloProcess silo)
    : InvalidOperationException($"{silo.Name} exited with code {silo.Process.ExitCode} before it was ready. {silo.DescribeLog()}")
{
    /// <summary>The silo's name.</summary>
    public string SiloName { get; } = silo.Name;

    /// <summary>Its exit code (2: it refused to start, with one line saying why).</summary>
    public int ExitCode { get; } = silo.Process.ExitCode;

    /// <summary>The last line of its output.</summary>
    public string LastLine { get; } = silo.LogTail(1);
}
