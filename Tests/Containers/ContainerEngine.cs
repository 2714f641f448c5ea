using System.Diagnostics;
using System.Text;

namespace OrleansHotData.Tests.Containers;

/// <summary>
/// The Docker engine the container tests use: the one <c>./hotdata test --containers</c> starts, named by
/// <c>HOTDATA_DOCKER_HOST</c> (a <c>unix://</c> socket). Runs the <c>docker</c> and <c>docker-compose</c> command-line
/// clients against it and nothing else.
/// </summary>
public static class ContainerEngine
{
    /// <summary>The variable that names the engine; without it the container tests are skipped.</summary>
    public const string HostVariable = "HOTDATA_DOCKER_HOST";

    /// <summary>The engine's address, or <see langword="null"/> when none was given.</summary>
    public static string? Host => Environment.GetEnvironmentVariable(HostVariable) is { Length: > 0 } host ? host : null;

    /// <summary>The <c>docker</c> client: <c>HOTDATA_DOCKER</c>, else Debian's.</summary>
    public static string DockerClient => Environment.GetEnvironmentVariable("HOTDATA_DOCKER") is { Length: > 0 } path ? path : "/usr/bin/docker";

    /// <summary>Runs <c>docker</c> with <paramref name="arguments"/>; throws with its error output unless it exits 0.</summary>
    public static Task<string> DockerAsync(params string[] arguments) => RunAsync(DockerClient, arguments, null, TimeSpan.FromMinutes(5));

    /// <summary>Like <see cref="DockerAsync"/> at a lower CPU priority, for image builds on a shared machine.</summary>
    public static Task<string> DockerNiceAsync(TimeSpan timeout, params string[] arguments) =>
        RunAsync("nice", ["-n", "10", DockerClient, .. arguments], null, timeout);

    /// <summary>Runs <c>docker-compose</c> with <paramref name="arguments"/> and <paramref name="environment"/>.</summary>
    public static Task<string> ComposeAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments) =>
        RunAsync("docker-compose", arguments, environment, timeout);

    /// <summary>Runs a program against the engine; throws with its output unless it exits 0 within <paramref name="timeout"/>.</summary>
    public static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var host = Host ?? throw new InvalidOperationException($"{HostVariable} is not set: run the container tests with ./hotdata test --containers.");
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Infrastructure.ProjectOutput.RepositoryRoot(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOCKER_HOST"] = host;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = new StringBuilder();
        var errors = new StringBuilder();
        var reading = Task.WhenAll(
            Task.Run(async () => output.Append(await process.StandardOutput.ReadToEndAsync())),
            Task.Run(async () => errors.Append(await process.StandardError.ReadToEndAsync())));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        await reading;
        if (process.ExitCode != 0)
        {
            var tail = errors.Length > 0 ? errors.ToString() : output.ToString();
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with code {process.ExitCode}: {tail[Math.Max(0, tail.Length - 4000)..]}");
        }

        return output.ToString().Trim();
    }
}
