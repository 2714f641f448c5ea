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

        var script = Path.Combine(ProjectOutput.RepositoryRoot(), "hotdata");
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = ProjectOutput.RepositoryRoot() };
        foreach (var arg in new[] { script, "up", "--http-port", port })
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
            Assert.Fail($"./hotdata up went on with port {port} taken:{Environment.NewLine}{await errors}");
        }

        var text = (await errors).Trim();
        Assert.True(process.ExitCode == 2, $"exit code {process.ExitCode}:{Environment.NewLine}{await output}{text}");
        Assert.DoesNotContain('\n', text);
        Assert.Contains($"port {port} ", text, StringComparison.Ordinal);
        Assert.Contains("--http-port", text, StringComparison.Ordinal);
        Assert.Contains("another ./hotdata up", text, StringComparison.Ordinal);
    }
}
