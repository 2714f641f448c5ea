using System.Globalization;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// The loopback ports of one test silo and the settings every test silo runs with, shared by the in-process
/// <see cref="TestSilo"/> and the separate-process <see cref="SiloProcess"/>.
/// </summary>
public sealed record TestSiloEndpoints(string HttpUrl, int SiloPort, int GatewayPort)
{
    public static TestSiloEndpoints Allocate() => new($"http://127.0.0.1:{FreePort.Next()}", FreePort.Next(), FreePort.Next());

    /// <summary>The common settings, then the host's own (<paramref name="host"/>), then the test's (<paramref name="overrides"/>).</summary>
    public Dictionary<string, string?> Settings(
        string redisConnectionString,
        string clusterId,
        IReadOnlyDictionary<string, string?> host,
        IEnumerable<KeyValuePair<string, string?>>? overrides)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redisConnectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = clusterId,
            ["Orleans:Endpoints:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Urls"] = HttpUrl,
            // Open, as the development command runs; security has tests of its own that turn it on.
            ["Security:RequireAuthentication"] = "false",
        };
        foreach (var (key, value) in host.Concat(overrides ?? []))
        {
            values[key] = value;
        }

        return values;
    }
}
