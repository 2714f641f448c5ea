using System.Diagnostics;
using System.Text.Json;

namespace OrleansHotData.Cluster;

/// <summary>How to run a <see cref="BrokerProcess"/>.</summary>
/// <param name="Topics">Topics to make, each with its partition count.</param>
public sealed record BrokerOptions(IReadOnlyList<(string Name, int Partitions)> Topics)
{
    /// <summary>Also make a dead-letter topic <c>NAME.dlq</c> for each topic.</summary>
    public bool WithDeadLetterTopics { get; init; } = true;

    /// <summary>Where the broker writes its endpoints (JSON); a file in <see cref="LogDirectory"/> when null.</summary>
    public string? EndpointsFile { get; init; }

    /// <summary>Where <c>kafka.log</c> (and by default the endpoints file) go.</summary>
    public string LogDirectory { get; init; } = Path.GetTempPath();

    /// <summary>The broker program; the repository's build of it when null.</summary>
    public string? Assembly { get; init; }

    /// <summary>How long the broker may take to write its endpoints file.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The embedded Kafka broker (the EmbeddedKafka program, librdkafka's mock cluster) as a process of its own; data lives
/// in its memory only. Started means it has written its endpoints file.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private BrokerProcess(ChildProcess process, string bootstrapServers, string endpointsFile)
    {
        Process = process;
        BootstrapServers = bootstrapServers;
        EndpointsFile = endpointsFile;
    }

    /// <summary>The broker process.</summary>
    public ChildProcess Process { get; }

    /// <summary>The Kafka bootstrap address.</summary>
    public string BootstrapServers { get; }

    /// <summary>The endpoints file the broker wrote.</summary>
    public string EndpointsFile { get; }

    /// <summary>Starts the broker with the topics and waits until it has written its endpoints file.</summary>
    public static async Task<BrokerProcess> StartAsync(BrokerOptions options, CancellationToken cancellationToken = default)
    {
        var assembly = options.Assembly ?? RepositoryLayout.BrokerAssembly();
        var endpoints = options.EndpointsFile ?? Path.Combine(options.LogDirectory, "kafka.json");
        File.Delete(endpoints);
        var arguments = new List<string> { assembly };
        foreach (var (name, partitions) in options.Topics)
        {
            arguments.AddRange(["--topic", $"{name}:{partitions}"]);
        }

        if (options.WithDeadLetterTopics)
        {
            arguments.Add("--with-dlq");
        }

        arguments.AddRange(["--endpoints-file", endpoints]);
        var process = ChildProcess.Start(new ChildProcessStart("kafka", DotnetHost(), arguments, Path.Combine(options.LogDirectory, "kafka.log"))
        {
            WorkingDirectory = Path.GetDirectoryName(assembly),
        });
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ReadBootstrap(endpoints) is { } bootstrap)
                {
                    return new BrokerProcess(process, bootstrap, endpoints);
                }

                if (process.HasExited)
                {
                    await process.WaitForExitAsync(cancellationToken);
                    throw new InvalidOperationException($"the embedded Kafka broker exited with code {process.ExitCode}. {process.DescribeLog()}");
                }

                if (deadline.Elapsed > options.StartTimeout)
                {
                    throw new TimeoutException($"the embedded Kafka broker did not start within {options.StartTimeout.TotalSeconds:0}s; see {process.LogPath}");
                }

                await Task.Delay(200, cancellationToken);
            }
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <c>dotnet</c> host that runs this program (else the one on the PATH).</summary>
    public static string DotnetHost() =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
        ?? (Path.GetFileNameWithoutExtension(System.Environment.ProcessPath) == "dotnet" ? System.Environment.ProcessPath : null)
        ?? "dotnet";

    private static string? ReadBootstrap(string endpointsFile)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(endpointsFile));
            return document.RootElement.TryGetProperty("bootstrapServers", out var value) && value.GetString() is { Length: > 0 } text ? text : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            // Not written yet, or half written.
            return null;
        }
    }

    /// <summary>Stops the broker with SIGTERM (killed after <paramref name="grace"/>).</summary>
    public Task<int?> StopAsync(TimeSpan grace) => Process.StopAsync(grace);

    /// <summary>Kills the broker if it still runs.</summary>
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
