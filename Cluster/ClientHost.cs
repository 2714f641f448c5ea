using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansHotData.Client;

namespace OrleansHotData.Cluster;

/// <summary>
/// A front-end service's view of a cluster: a host of its own running the SDK (<see cref="IHotDataClient"/>), joined
/// to the cluster through its Redis membership. Stopping it gives the client a few seconds to leave.
/// </summary>
public sealed class ClientHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private readonly IHost _host;
    private int _disposed;

    private ClientHost(IHost host) => _host = host;

    /// <summary>The SDK client.</summary>
    public IHotDataClient Client => _host.Services.GetRequiredService<IHotDataClient>();

    /// <summary>The host's services (the Orleans client among them).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Starts the host and connects its client to the cluster.</summary>
    /// <param name="redisConnectionString">The cluster's Redis (membership).</param>
    /// <param name="clusterId">The cluster and service id.</param>
    /// <param name="configure">Further SDK options (the near-cache's, for example).</param>
    /// <param name="cancellationToken">Gives up connecting.</param>
    public static async Task<ClientHost> StartAsync(
        string redisConnectionString,
        string clusterId,
        Action<HotDataClientOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHotDataClient(o =>
        {
            o.RedisConnectionString = redisConnectionString;
            o.ClusterId = clusterId;
            o.ServiceId = clusterId;
            configure?.Invoke(o);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return new ClientHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Stops the client (waiting a few seconds at most) and disposes its host.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _host.StopAsync(StopTimeout);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // A client that cannot leave in time (its cluster already gone) is disposed all the same.
        }

        _host.Dispose();
    }
}
