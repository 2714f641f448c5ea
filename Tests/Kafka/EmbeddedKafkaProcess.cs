using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansHotData.Tests.Kafka;

/// <summary>
/// The embedded broker started as a process of its own (the build copies it next to the tests), for tests where
/// the broker must outlive the processes under test. Dispose stops it by its process id.
/// </summary>
public sealed class EmbeddedKafkaProcess : IDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> errorLines = new();

    private EmbeddedKafkaProcess(Process process, string bootstrapServers)
    {
        this.process = process;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The bootstrap servers the process printed.</summary>
    public string BootstrapServers { get; private set; }

    /// <summary>The process id.</summary>
    public int Id => process.Id;

    /// <summary>The process's standard input, for control commands.</summary>
    public StreamWriter Input => process.StandardInput;

    /// <summary>What the process wrote to standard error so far: its log.</summary>
    public string ErrorOutput => string.Join(Environment.NewLine, errorLines);

    /// <summary>The path of the broker's entry assembly next to the test assembly.</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "OrleansHotData.EmbeddedKafka.dll");

    /// <summary>Process start settings for running the broker with <paramref name="arguments"/>.</summary>
    /// <param name="arguments">Command-line arguments after the assembly.</param>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Starts the broker and waits for its <c>bootstrap=</c> line.</summary>
    /// <param name="arguments">Command-line arguments, e.g. <c>--topic t:2</c>.</param>
    /// <param name="timeout">How long to wait for the bootstrap line.</param>
    public static async Task<EmbeddedKafkaProcess> StartAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var process = Process.Start(StartInfo(arguments)) ?? throw new InvalidOperationException("The broker process did not start.");
        var broker = new EmbeddedKafkaProcess(process, string.Empty);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                broker.errorLines.Enqueue(e.Data);
            }
        };
        process.BeginErrorReadLine();

        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
            if (line is null || !line.StartsWith("bootstrap=", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Expected a bootstrap line, got '{line}'. Log: {broker.ErrorOutput}");
            }

            broker.BootstrapServers = line["bootstrap=".Length..];
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGTERM to the process by its id and waits for it to exit; returns its exit code.</summary>
    /// <param name="timeout">How long to wait for the exit.</param>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(timeout);
        }

        await process.WaitForExitAsync().WaitAsync(timeout);
        return process.ExitCode;
    }

    /// <summary>Whether the process is still running.</summary>
    public bool IsRunning => !process.HasExited;

    /// <summary>Kills the process if it still runs.</summary>
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }
}
