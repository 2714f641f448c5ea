using System.Net;

namespace OrleansHotData.Silo.Hosting;

/// <summary>The cluster identity and network endpoints of one silo, from the <c>Orleans</c> configuration section.</summary>
public sealed class HotDataSiloOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Orleans";

    public const string DefaultClusterId = "hotdata";
    public const string DefaultServiceId = "hotdata";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    /// <summary>The cluster this silo joins; every silo and client of one cluster uses the same id.</summary>
    public string ClusterId { get; set; } = DefaultClusterId;

    /// <summary>The service id: stable across deployments, it keys persisted state.</summary>
    public string ServiceId { get; set; } = DefaultServiceId;

    /// <summary>Silo-to-silo and gateway endpoints.</summary>
    public SiloEndpointOptions Endpoints { get; set; } = new();

    /// <summary>Silo-to-silo and gateway endpoints.</summary>
    public sealed class SiloEndpointOptions
    {
        /// <summary>The address other silos and clients reach this silo at: an IP address or a host name. Default 127.0.0.1.</summary>
        public string AdvertisedIPAddress { get; set; } = IPAddress.Loopback.ToString();

        /// <summary>The silo-to-silo port. Default 11111.</summary>
        public int SiloPort { get; set; } = DefaultSiloPort;

        /// <summary>The port clients connect to. Default 30000.</summary>
        public int GatewayPort { get; set; } = DefaultGatewayPort;

        /// <summary>Listen on every interface rather than only the advertised address (containers). Default false.</summary>
        public bool ListenOnAnyHostAddress { get; set; }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per setting, each naming it.</summary>
    public static IEnumerable<string> Problems(HotDataSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            yield return $"{SectionName}:{nameof(ClusterId)} is empty: name the cluster this silo joins, such as the default '{DefaultClusterId}'.";
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            yield return $"{SectionName}:{nameof(ServiceId)} is empty: it keys the persisted state; use the same one across deployments, such as the default '{DefaultServiceId}'.";
        }

        const string Endpoints = SectionName + ":" + nameof(Endpoints);
        if (string.IsNullOrWhiteSpace(options.Endpoints.AdvertisedIPAddress))
        {
            yield return $"{Endpoints}:{nameof(SiloEndpointOptions.AdvertisedIPAddress)} is empty: give the IP address or host name other silos and clients reach this silo at.";
        }

        foreach (var (name, port) in new[] { (nameof(SiloEndpointOptions.SiloPort), options.Endpoints.SiloPort), (nameof(SiloEndpointOptions.GatewayPort), options.Endpoints.GatewayPort) })
        {
            if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
            {
                yield return $"{Endpoints}:{name} is {port}: it must be a TCP port from {IPEndPoint.MinPort} to {IPEndPoint.MaxPort}.";
            }
        }

        if (options.Endpoints.SiloPort != 0 && options.Endpoints.SiloPort == options.Endpoints.GatewayPort)
        {
            yield return $"{Endpoints}:{nameof(SiloEndpointOptions.SiloPort)} and {nameof(SiloEndpointOptions.GatewayPort)} are both {options.Endpoints.SiloPort}: the silo-to-silo and gateway listeners need ports of their own.";
        }
    }

    /// <summary>Resolves <see cref="SiloEndpointOptions.AdvertisedIPAddress"/> to an IPv4 or IPv6 address.</summary>
    public IPAddress ResolveAdvertisedAddress()
    {
        var text = Endpoints.AdvertisedIPAddress;
        if (IPAddress.TryParse(text, out var address))
        {
            return address;
        }

        IPAddress[] resolved;
        try
        {
            resolved = Dns.GetHostAddresses(text);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new SiloConfigurationException($"{SectionName}:{nameof(Endpoints)}:{nameof(SiloEndpointOptions.AdvertisedIPAddress)} '{text}' does not resolve to an address: {ex.Message}");
        }


        return resolved.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? resolved.FirstOrDefault()
            ?? throw new SiloConfigurationException($"Orleans:Endpoints:AdvertisedIPAddress '{text}' does not resolve to an address.");
    }
}
