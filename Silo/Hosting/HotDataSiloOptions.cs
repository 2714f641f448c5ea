using System.Net;

namespace OrleansHotData.Silo.Hosting;

/// <summary>The cluster identity and network endpoints of one silo, from the <c>Orleans</c> configuration section.</summary>
public sealed class HotDataSiloOptions
{
    /// <summary>The configuration section these settings are read from.</summary>
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

    /// <summary>Resolves <see cref="SiloEndpointOptions.AdvertisedIPAddress"/> to an IPv4 or IPv6 address.</summary>
    public IPAddress ResolveAdvertisedAddress()
    {
        var text = Endpoints.AdvertisedIPAddress;
        if (IPAddress.TryParse(text, out var address))
        {
            return address;
        }

        var resolved = Dns.GetHostAddresses(text);
        return resolved.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? resolved.FirstOrDefault()
            ?? throw new InvalidOperationException($"Orleans:Endpoints:AdvertisedIPAddress '{text}' does not resolve to an address.");
    }
}
