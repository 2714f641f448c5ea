using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// The TCP ports a silo listens on — the HTTP API's (<c>Urls</c>), the silo-to-silo port and the gateway port —
/// each with the setting that chooses it, so that a port another process holds stops the silo with one line
/// naming the port and that setting instead of a stack trace.
/// </summary>
/// <remarks>
/// The ports are tried before the host starts: Orleans binds its two listeners before it joins the cluster, but the
/// HTTP server starts only after the silo has joined, so a taken HTTP port found late costs the cluster a member
/// that joins and leaves at once. The check cannot close the race with a process that takes a port in between;
/// <see cref="DescribeBindFailure"/> names the port for the bind failures that then surface from the start.
/// </remarks>
public sealed class ListenPorts
{
    /// <summary>
    /// The setting of the HTTP API's addresses (the environment variable <c>Urls</c>, or <c>--urls</c>).
    /// <c>ASPNETCORE_URLS</c> does not change it: <c>appsettings.json</c> sets <c>Urls</c>, which comes later.
    /// </summary>
    public const string UrlsSetting = "Urls";

    /// <summary>The setting of the silo-to-silo port.</summary>
    public const string SiloPortSetting = "Orleans:Endpoints:SiloPort";

    /// <summary>The setting of the client gateway port.</summary>
    public const string GatewayPortSetting = "Orleans:Endpoints:GatewayPort";

    private readonly IReadOnlyList<ListenEndpoint> _endpoints;

    private ListenPorts(IReadOnlyList<ListenEndpoint> endpoints) => _endpoints = endpoints;

    /// <summary>
    /// The listening endpoints of the silo built on <paramref name="services"/> and <paramref name="configuration"/>.
    /// Endpoints with port 0 (any free port) and HTTP addresses whose binding only Kestrel can resolve (host names,
    /// wildcards, a <c>Kestrel:Endpoints</c> section) are left out: the server reports those itself.
    /// </summary>
    public static ListenPorts Of(IServiceProvider services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return new ListenPorts(Configured(services, configuration).ToList());
    }

    /// <summary>Throws <see cref="PortInUseException"/> for the first listening endpoint that another process holds.</summary>
    public void ThrowIfTaken()
    {
        if (_endpoints.FirstOrDefault(IsTaken) is { } taken)
        {
            throw new PortInUseException(Describe(taken));
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/>, from the host's start, says an address is in use: Kestrel's
    /// <see cref="IOException"/> around an <see cref="AddressInUseException"/>, or Orleans' listener's own.
    /// </summary>
    public static bool IsAddressInUse(Exception? exception) => exception switch
    {
        null => false,
        AddressInUseException => true,
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsAddressInUse),
        _ => IsAddressInUse(exception.InnerException),
    };

    /// <summary>
    /// One sentence naming the port and its setting for a bind failure (<see cref="IsAddressInUse"/>) that surfaced
    /// from the host's start, after the host has stopped.
    /// </summary>
    public string DescribeBindFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);

        if (exception is IOException)
        {
            // Kestrel's. The silo's own Orleans listeners may not be released yet: only the HTTP ports are tried.
            if (_endpoints.Where(e => e.Setting == UrlsSetting).FirstOrDefault(IsTaken) is { } taken)
            {
                return Describe(taken);
            }

            // Released since (the other process ended). Kestrel's message names the address:
            // "Failed to bind to address http://127.0.0.1:8080: address already in use."
            return $"{exception.Message.TrimEnd('.')}: stop the process that holds it or choose another address with {UrlsSetting} (environment variable {UrlsSetting}, or --urls).";
        }

        // Orleans binds both listeners at once, and the one that succeeded may still be open here, so trying the ports
        // cannot tell which failed. The silo listener's type shows in its failure's stack trace; the gateway's does not.
        if (exception.ToString().Contains("SiloConnectionListener", StringComparison.Ordinal)
            && _endpoints.FirstOrDefault(e => e.Setting == SiloPortSetting) is { } silo)
        {
            return Describe(silo);
        }

        var orleans = _endpoints.Where(e => e.Setting != UrlsSetting).Select(e => $"{e.Endpoint.Port.ToString(CultureInfo.InvariantCulture)} ({e.Setting})");
        return $"an Orleans port is already in use by another process — one of {string.Join(", ", orleans)}: stop it or choose another port with that setting.";
    }

    private static string Describe(ListenEndpoint taken)
    {
        var port = taken.Endpoint.Port.ToString(CultureInfo.InvariantCulture);
        return taken.Setting switch
        {
            UrlsSetting => $"port {port} of the HTTP API ({UrlsSetting} = {taken.Value}) is already in use by another process: stop it or choose another port with {UrlsSetting} (environment variable {UrlsSetting}, or --urls).",
            SiloPortSetting => $"the silo-to-silo port {port} ({SiloPortSetting}, on {taken.Endpoint.Address}) is already in use by another process: stop it or choose another port with {SiloPortSetting}.",
            _ => $"the gateway port {port} ({GatewayPortSetting}, on {taken.Endpoint.Address}) is already in use by another process: stop it or choose another port with {GatewayPortSetting}.",
        };
    }

    private static IEnumerable<ListenEndpoint> Configured(IServiceProvider services, IConfiguration configuration)
    {
        // The endpoints Orleans' listeners bind: the explicit listening endpoint, else the advertised address.
        var orleans = services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        var silo = orleans.SiloListeningEndpoint ?? new IPEndPoint(orleans.AdvertisedIPAddress, orleans.SiloPort);
        if (silo.Port != 0)
        {
            yield return new ListenEndpoint(silo, SiloPortSetting, orleans.SiloPort.ToString(CultureInfo.InvariantCulture));
        }

        var gateway = orleans.GatewayListeningEndpoint ?? (orleans.GatewayPort != 0 ? new IPEndPoint(orleans.AdvertisedIPAddress, orleans.GatewayPort) : null);
        if (gateway is { Port: not 0 })
        {
            yield return new ListenEndpoint(gateway, GatewayPortSetting, orleans.GatewayPort.ToString(CultureInfo.InvariantCulture));
        }

        // Kestrel's endpoints section, when present, replaces the URLs; its bind failures are left to the backstop.
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            yield break;
        }

        foreach (var url in (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (HttpEndpoint(url) is { } endpoint)
            {
                yield return new ListenEndpoint(endpoint, UrlsSetting, url);
            }
        }
    }

    /// <summary>The endpoint Kestrel binds for <paramref name="url"/> when that is unambiguous: an IP address or localhost, a fixed port.</summary>
    private static IPEndPoint? HttpEndpoint(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }

        if (address.IsUnixPipe || address.Port == 0)
        {
            return null;
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel binds both loopbacks for localhost and fails when the IPv4 one is held.
            return new IPEndPoint(IPAddress.Loopback, address.Port);
        }

        // Host names, '*' and '+' make Kestrel choose between IPv6 and IPv4 wildcards: left to the server.
        return IPAddress.TryParse(address.Host, out var ip) ? new IPEndPoint(ip, address.Port) : null;
    }

    private static bool IsTaken(ListenEndpoint candidate)
    {
        using var socket = new Socket(candidate.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (candidate.Endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true;
        }

        try
        {
            socket.Bind(candidate.Endpoint);
            return false;
        }
        catch (SocketException ex)
        {
            // Only a held port counts; any other failure (an address not on this machine) is the server's to report.
            return ex.SocketErrorCode == SocketError.AddressAlreadyInUse;
        }
    }

    private sealed record ListenEndpoint(IPEndPoint Endpoint, string Setting, string Value);
}
