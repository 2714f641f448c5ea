using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// A port that another process holds stops the silo, and <c>./hotdata up</c>, with exit code 2 and one line naming the
/// port and the setting or option that changes it — no stack trace — and leaves nothing behind that stops a later start.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class PortInUseTests
{
    [Theory]
    [InlineData("Urls", "http://127.0.0.1:{0}")]
    [InlineData("Orleans:Endpoints:SiloPort", "{0}")]
    [InlineData("Orleans:Endpoints:GatewayPort", "{0}")]
    public async Task A_taken_port_stops_the_silo_with_one_line_naming_the_port_and_its_setting(string setting, string valueFormat)
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "port-in-use-" + Guid.NewGuid().ToString("N")[..8];
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var value = string.Format(CultureInfo.InvariantCulture, valueFormat, port);

        var outcome = await SiloCommand.RunToExitAsync(
            new Dictionary<string, string>
            {
                ["ConnectionStrings__Redis"] = redis.ConnectionString,
                ["Orleans__ClusterId"] = clusterId,
                ["Orleans__ServiceId"] = clusterId,
                ["Security__RequireAuthentication"] = "false",
                [setting.Replace(":", "__", StringComparison.Ordinal)] = value,
            },
            TimeSpan.FromSeconds(90));

        Assert.True(outcome.ExitCode == 2, $"exit code {outcome.ExitCode}; output:{Environment.NewLine}{outcome.Output}{outcome.Errors}");
        var errors = outcome.Errors.Trim();
        Assert.DoesNotContain('\n', errors);
        Assert.StartsWith("Start-up error: ", errors, StringComparison.Ordinal);
        Assert.Contains(port, errors, StringComparison.Ordinal);
        Assert.Contains(setting, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Errors, StringComparison.Ordinal);

        // Once the port is free, a silo of the same cluster starts — on the same Orleans port, which the membership
        // table keys its entries by: the refused silo left no member behind that would have to be declared dead first.
        // (The HTTP case keeps the test silo's own URL, which is where it waits for the silo to answer.)
        holder.Stop();
        await using var silo = await SiloProcess.StartAsync(
            "after-refusal",
            redis.ConnectionString,
            clusterId,
            TestArtifacts.Directory(nameof(PortInUseTests) + "-" + setting.Replace(':', '-')),
            setting == "Urls" ? null : new Dictionary<string, string?> { [setting] = value });
    }

    [Fact]
    public async Task Hotdata_up_with_its_http_port_taken_refuses_before_building_anything()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var (exitCode, errors) = await RunUpAsync(ScriptCopy(), "--http-port", port);

        Assert.True(exitCode == 2, $"exit code {exitCode}:{Environment.NewLine}{errors}");
        Assert.DoesNotContain('\n', errors);
        Assert.Contains($"port {port} ", errors, StringComparison.Ordinal);
        Assert.Contains("--http-port", errors, StringComparison.Ordinal);
        Assert.Contains("another ./hotdata up", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_hotdata_up_in_the_same_checkout_refuses_naming_the_first()
    {
        var directory = ScriptCopy();
        // The first `up`, as the second sees it: a live process of that command line whose pid is in .hotdata/up.pid.
        var first = new ProcessStartInfo("bash");
        foreach (var arg in new[] { "-c", "exec -a 'bash ./hotdata up' sleep 300" })
        {
            first.ArgumentList.Add(arg);
        }

        using var running = Process.Start(first)!;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, ".hotdata"));
            await File.WriteAllTextAsync(Path.Combine(directory, ".hotdata", "up.pid"), running.Id.ToString(CultureInfo.InvariantCulture) + "\n");

            var (exitCode, errors) = await RunUpAsync(directory, "--http-port", "0");

            Assert.True(exitCode == 2, $"exit code {exitCode}:{Environment.NewLine}{errors}");
            Assert.DoesNotContain('\n', errors);
            Assert.Contains($"another ./hotdata up is running in this checkout (pid {running.Id})", errors, StringComparison.Ordinal);
        }
        finally
        {
            running.Kill();
            await running.WaitForExitAsync();
        }
    }

    /// <summary>
    /// A copy of the script in a directory of its own: its state (.hotdata) is apart from an <c>up</c> the developer
    /// may run in the checkout, and should it go on past its checks, there is nothing to build.
    /// </summary>
    private static string ScriptCopy()
    {
        var directory = Directory.CreateTempSubdirectory("hotdata-up-").FullName;
        File.Copy(Path.Combine(ProjectOutput.RepositoryRoot(), "hotdata"), Path.Combine(directory, "hotdata"));
        return directory;
    }

    /// <summary>Runs <c>./hotdata up</c> in <paramref name="directory"/> to its exit; returns the exit code and what it wrote to stderr.</summary>
    private static async Task<(int ExitCode, string Errors)> RunUpAsync(string directory, params string[] options)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = directory };
        foreach (var arg in new[] { Path.Combine(directory, "hotdata"), "up" }.Concat(options))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM, so that the script's own trap stops what it has started, by process id.
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Fail($"./hotdata up {string.Join(' ', options)} went on instead of refusing:{Environment.NewLine}{await errors}");
        }

        await output;
        var text = (await errors).Trim();
        Directory.Delete(directory, recursive: true);
        return (process.ExitCode, text);
    }
}
