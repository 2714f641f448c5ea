using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace OrleansHotData.EmbeddedKafka;

/// <summary>
/// Runs on a new connection before the relay starts (e.g. to authenticate it); false closes the connection.
/// It must read from <paramref name="client"/> exactly what it handles, since the rest is relayed as is.
/// </summary>
internal delegate Task<bool> ConnectionGate(Stream client, Stream broker, string peer, CancellationToken cancellation);

/// <summary>
/// A fixed bootstrap address for the mock brokers, which bind ephemeral ports: every connection accepted on it is
/// relayed to the first broker. Clients only bootstrap through it; the metadata they get there names the brokers'
/// own addresses, which they then connect to directly (so it suits host networking and one machine, where those
/// addresses are reachable).
/// </summary>
internal sealed class BootstrapForwarder : IDisposable
{
    private readonly TcpListener _listener;
    private readonly DnsEndPoint _broker;
    private readonly ILogger _logger;
    private readonly ConnectionGate? _gate;
    private readonly CancellationTokenSource _stopping = new();

    private BootstrapForwarder(TcpListener listener, DnsEndPoint broker, ILogger logger, ConnectionGate? gate)
    {
        _listener = listener;
        _broker = broker;
        _logger = logger;
        _gate = gate;
    }

    /// <summary>The port it listens on.</summary>
    internal int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The address clients bootstrap from, <c>host:port</c>.</summary>
    internal string Address => $"{((IPEndPoint)_listener.LocalEndpoint).Address}:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>
    /// Listens on <paramref name="address"/>:<paramref name="port"/> (0: an ephemeral port) and relays to the first of
    /// <paramref name="bootstrapServers"/>, each connection after <paramref name="gate"/> let it through.
    /// </summary>
    internal static BootstrapForwarder Start(IPAddress address, int port, string bootstrapServers, ILogger logger, ConnectionGate? gate = null)
    {
        var first = bootstrapServers.Split(',')[0];
        var colon = first.LastIndexOf(':');
        var broker = new DnsEndPoint(first[..colon], int.Parse(first[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var listener = new TcpListener(address, port);
        listener.Start();
        var forwarder = new BootstrapForwarder(listener, broker, logger, gate);
        _ = forwarder.AcceptAsync();
        return forwarder;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            var peer = client.Client.RemoteEndPoint?.ToString() ?? "?";
            try
            {
                client.NoDelay = true;
                upstream.NoDelay = true;
                await upstream.ConnectAsync(_broker.Host, _broker.Port, _stopping.Token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                if (_gate is not null && !await _gate(down, up, peer, _stopping.Token))
                {
                    return;
                }

                // When either side closes, both connections close: the client reconnects as to any broker.
                await Task.WhenAny(down.CopyToAsync(up, _stopping.Token), up.CopyToAsync(down, _stopping.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                HostLog.RelayEnded(_logger, e.Message);
            }
            catch (Sasl.KafkaProtocolException e)
            {
                HostLog.SaslProtocolError(_logger, peer, e.Message);
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        _stopping.Dispose();
    }
}
