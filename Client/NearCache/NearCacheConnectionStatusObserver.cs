using Microsoft.Extensions.DependencyInjection;

namespace OrleansHotData.Client;

/// <summary>
/// Passes the Orleans client's connection events on to the near-cache, which it looks up at the first event. The
/// near-cache needs the cluster client, and the cluster client asks for every connection observer while it is being
/// constructed: registering the near-cache itself as the observer made that a cycle, and the container recursed on
/// fresh threads until the host hung in its start.
/// </summary>
internal sealed class NearCacheConnectionStatusObserver(IServiceProvider services) : IClusterConnectionStatusObserver
{
    private IClusterConnectionStatusObserver NearCache => services.GetRequiredService<HotDataNearCache>();

    public void NotifyClusterConnectionLost() => NearCache.NotifyClusterConnectionLost();

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        NearCache.NotifyGatewayCountChanged(currentNumberOfGateways, previousNumberOfGateways, connectionRecovered);
}
