using System.Globalization;

namespace OrleansHotData.Cluster;

/// <summary>
/// What one silo process is: its name, its cluster, where Redis and Kafka are, and further settings. <see cref="Settings"/>
/// is the one place that turns it into the silo's configuration.
/// </summary>
/// <param name="Name">A name for logs and messages, such as <c>silo-0</c>; also the log file's name.</param>
/// <param name="RedisConnectionString">Membership and grain state.</param>
public sealed record SiloDescription(string Name, string RedisConnectionString)
{
    /// <summary>The cluster and service id; the silo's default when null.</summary>
    public string? ClusterId { get; init; }

    /// <summary>The Kafka bootstrap address; none (the silo's own setting) when null.</summary>
    public string? KafkaBootstrapServers { get; init; }

    /// <summary>The topic the silo reads; the silo's own setting when null.</summary>
    public string? Topic { get; init; }

    /// <summary>The topic's partition count, with <see cref="Topic"/>.</summary>
    public int? Partitions { get; init; }

    /// <summary>The HTTP API port; a free one when null.</summary>
    public int? HttpPort { get; init; }

    /// <summary>The silo-to-silo port; a free one when null.</summary>
    public int? SiloPort { get; init; }

    /// <summary>The client gateway port; a free one when null.</summary>
    public int? GatewayPort { get; init; }

    /// <summary>Authentication of the HTTP API (off by default: loopback development and tests).</summary>
    public bool RequireAuthentication { get; init; }

    /// <summary>
    /// Further configuration, keys with <c>:</c> as in <c>appsettings.json</c>; they win over everything above
    /// (a <c>Urls</c> here is where the silo is asked for readiness). A null value removes a setting.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Whether the silo sees the configuration variables of this program's environment (<c>Kafka__…</c>,
    /// <c>HotData__…</c>): yes for <c>./hotdata up</c>, where they are the developer's settings; no for tests and
    /// benchmarks, where they would leak in.
    /// </summary>
    public bool InheritConfiguration { get; init; }

    /// <summary>The folder of the log file.</summary>
    public string LogDirectory { get; init; } = Path.GetTempPath();

    /// <summary>The silo program; the repository's build of it (same configuration as this program) when null.</summary>
    public string? Assembly { get; init; }

    /// <summary>How long the silo may take to report ready.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Environment variable prefixes that configure the silo, dropped unless <see cref="InheritConfiguration"/>.</summary>
    public static IReadOnlyList<string> ConfigurationPrefixes { get; } =
        ["ConnectionStrings__", "Orleans__", "Kafka__", "Changelog__", "HotData__", "HotDataApi__", "Logging__", "Security__", "Shutdown__", "ASPNETCORE_", "DOTNET_ENVIRONMENT", "Urls"];

    /// <summary>The silo's configuration with these ports, keys with <c>:</c>.</summary>
    public IReadOnlyDictionary<string, string?> ConfigurationFor(SiloPorts ports)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConnectionStrings:Redis"] = RedisConnectionString,
            ["Urls"] = ports.HttpUrl,
            ["Orleans:Endpoints:SiloPort"] = ports.SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = ports.GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Security:RequireAuthentication"] = RequireAuthentication ? "true" : "false",
        };
        if (ClusterId is not null)
        {
            values["Orleans:ClusterId"] = ClusterId;
            values["Orleans:ServiceId"] = ClusterId;
        }

        if (KafkaBootstrapServers is not null)
        {
            values["Kafka:BootstrapServers"] = KafkaBootstrapServers;
        }

        if (Topic is not null)
        {
            values["Kafka:Topics:0:Name"] = Topic;
            if (Partitions is { } partitions)
            {
                values["Kafka:Topics:0:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture);
            }
        }

        foreach (var (key, value) in Settings)
        {
            values[key] = value;
        }

        return values;
    }

    /// <summary>The environment variables of <see cref="ConfigurationFor"/> (<c>:</c> as <c>__</c>).</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentFor(SiloPorts ports)
    {
        var environment = ConfigurationFor(ports).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        if (!InheritConfiguration)
        {
            environment["DOTNET_ENVIRONMENT"] = "Production";
        }

        return environment;
    }
}

/// <summary>The ports of one silo.</summary>
public sealed record SiloPorts(int HttpPort, int SiloPort, int GatewayPort)
{
    /// <summary>The HTTP API's base address.</summary>
    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";

    /// <summary>The given ports, and free ones for the rest.</summary>
    public static SiloPorts For(SiloDescription silo) =>
        new(silo.HttpPort ?? FreePort.Next(), silo.SiloPort ?? FreePort.Next(), silo.GatewayPort ?? FreePort.Next());
}
