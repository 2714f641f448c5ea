using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A silo as an operating-system process: <c>dotnet OrleansHotData.Silo.dll</c> from the silo's own build output,
/// configured through environment variables, its output written to a log file. It can be killed (SIGKILL, as a crash)
/// or stopped (SIGTERM, as an orchestrator does); both act on its process id only.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const int TailLines = 60;

    // Variables of the test's own environment that would otherwise leak into the silo's configuration.
    private static readonly string[] InheritedPrefixesToDrop = ["ConnectionStrings__", "Orleans__", "Kafka__", "HotData__", "HotDataApi__", "Logging__", "Security__", "Shutdown__", "ASPNETCORE_", "DOTNET_ENVIRONMENT", "Urls"];

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logSync = new();
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;
    private bool _logClosed;

    private SiloProcess(string name, Process process, StreamWriter log, string logPath, string httpUrl, int siloPort, int gatewayPort)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
        HttpUrl = httpUrl;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>A name for logs and messages, such as <c>silo-1</c>.</summary>
    public string Name { get; }

    /// <summary>The HTTP API's base address.</summary>
    public string HttpUrl { get; }

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; }

    /// <summary>The client gateway port.</summary>
    public int GatewayPort { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Where the process's standard output and error go.</summary>
    public string LogPath { get; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The silo program in its own build output (Debug or Release, as the tests were built).</summary>
    public static string AssemblyPath => ProjectOutput.AssemblyPath("Silo", "OrleansHotData.Silo.dll");

    /// <summary>
    /// Starts a silo of cluster <paramref name="clusterId"/> on free loopback ports and waits until its HTTP API
    /// answers a grain read, which it does only once the silo has joined the cluster.
    /// </summary>
    /// <param name="name">A name for logs, unique within <paramref name="logDirectory"/>.</param>
    /// <param name="redisConnectionString">Membership and grain state.</param>
    /// <param name="clusterId">The cluster (and service) id.</param>
    /// <param name="logDirectory">Where the log file goes.</param>
    /// <param name="settings">Further configuration, keys with <c>:</c> as in <c>appsettings.json</c>.</param>
    /// <param name="readyTimeout">How long to wait for the HTTP API; default one minute.</param>
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

        var assembly = AssemblyPath;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            // The content root, where appsettings.json is found, is the working directory.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var variable in start.Environment.Keys.Where(k => InheritedPrefixesToDrop.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(variable);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in values)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, name + ".log");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        SiloProcess? silo = null;
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"{name}: the silo process did not start.");
            }

            // A test may give its own Urls (HTTPS, say): the silo is then asked there.
            var httpUrl = values["Urls"] ?? endpoints.HttpUrl;
            silo = new SiloProcess(name, process, log, logPath, httpUrl, endpoints.SiloPort, endpoints.GatewayPort);
            process.OutputDataReceived += (_, e) => silo.OnOutput(e.Data);
            process.ErrorDataReceived += (_, e) => silo.OnOutput(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await silo.WaitForReadyAsync(readyTimeout ?? TimeSpan.FromMinutes(1));
            return silo;
        }
        catch
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
            else
            {
                process.Dispose();
                await log.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Kills the process with SIGKILL, as a crash or <c>kill -9</c> would, and waits for it to end.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException) when (_process.HasExited)
        {
            // Already gone.
        }

        _process.WaitForExit();
    }

    /// <summary>
    /// Asks the silo to stop with SIGTERM and waits for it to exit; returns the exit code. Past the deadline the process
    /// is killed and a <see cref="TimeoutException"/> carries the end of its log.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"{Name} (pid {Id}) did not stop within {timeout.TotalSeconds:0} s of SIGTERM and was killed. {DescribeLog()}");
        }

        // The exit is seen before the last output lines arrive; let them reach the log.
        await _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        return _process.ExitCode;
    }

    /// <summary>The last lines of the silo's output.</summary>
    public string LogTail()
    {
        lock (_logSync)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>Where the log is and how it ends, for failure messages.</summary>
    public string DescribeLog() => $"Log {LogPath}, last lines:{Environment.NewLine}{LogTail()}";

    /// <summary>The silo's output lines so far that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text)
    {
        lock (_logSync)
        {
            if (!_logClosed)
            {
                _log.Flush();
            }
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private void OnOutput(string? line)
    {
        lock (_logSync)
        {
            if (line is null)
            {
                if (--_openStreams == 0)
                {
                    _outputClosed.TrySetResult();
                }

                return;
            }

            if (!_logClosed)
            {
                _log.WriteLine(line);
            }

            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    private async Task WaitForReadyAsync(TimeSpan timeout)
    {
        // Readiness only, on loopback: a test of HTTPS checks the certificate with its own client.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                await _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready. {DescribeLog()}");
            }

            try
            {
                // A grain read answers (404 for a key without a value) only once the silo is an active cluster member.
                using var response = await http.GetAsync("/v1/keys/readiness-probe");
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} (pid {Id}) did not answer on {HttpUrl} within {timeout.TotalSeconds:0} s. {DescribeLog()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills the process if it still runs and closes its log.</summary>
    public async ValueTask DisposeAsync()
    {
        Kill();

        await _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        lock (_logSync)
        {
            _logClosed = true;
            _log.Dispose();
        }

        _process.Dispose();
    }
}
