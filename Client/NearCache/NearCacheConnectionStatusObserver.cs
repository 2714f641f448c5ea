namespace OrleansHotData.Client;

/// <summary>
/// Passes the cluster client's connection events to the process's <see cref="HotDataNearCache"/>, which is resolved
/// only when an event arrives. The cluster client collects its observers while it is being constructed, and the
/// near-cache needs the cluster client: resolving the cache there would make the client's construction wait for itself.
/// </summary>
internal sealed class NearCacheConnectionStatusObserver(IServiceProvider services) : IClusterConnectionStatusObserver
{
    private readonly Lazy<IClusterConnectionStatusObserver> _cache = new(() => (IClusterConnectionStatusObserver)services.GetService(typeof(HotDataNearCache))!);

    public void NotifyClusterConnectionLost() => _cache.Value.NotifyClusterConnectionLost();

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        _cache.Value.NotifyGatewayCountChanged(currentNumberOfGateways, previousNumberOfGateways, connectionRecovered);
}
