using System.Net;
using System.Net.Sockets;

namespace OrleansHotData.Cluster;

/// <summary>Finds loopback TCP ports that nothing listens on.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Picked = [];

    /// <summary>
    /// A port the operating system picks, free now and never handed out before by this process (the system may give
    /// the same free port to two calls in a row, before the first caller listens on it).
    /// </summary>
    public static int Next()
    {
        lock (Picked)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                if (Picked.Add(((IPEndPoint)listener.LocalEndpoint).Port))
                {
                    return ((IPEndPoint)listener.LocalEndpoint).Port;
                }
            }
        }
    }

    /// <summary>
    /// The first port from <paramref name="start"/> upwards that nothing listens on and that this process has not
    /// picked before with this method (what it was picked for may not listen yet).
    /// </summary>
    public static int From(int start)
    {
        lock (Picked)
        {
            for (var port = start; port <= IPEndPoint.MaxPort; port++)
            {
                if (!Picked.Contains(port) && !InUse(port))
                {
                    Picked.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port from {start} upwards.");
    }

    /// <summary>Marks <paramref name="port"/> as taken for <see cref="From"/>.</summary>
    public static void Reserve(int port)
    {
        lock (Picked)
        {
            Picked.Add(port);
        }
    }

    /// <summary>Whether something listens on loopback TCP port <paramref name="port"/>.</summary>
    public static bool InUse(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
