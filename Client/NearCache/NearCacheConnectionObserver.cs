using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Client;

/// <summary>
/// Tells the near-cache when the client's gateway connections drop. It reaches the cache through the service provider
/// when told, not when built: Orleans builds its connection observers while the cluster client itself is being built,
/// and the near-cache needs that client.
/// </summary>
internal sealed class NearCacheConnectionObserver(IServiceProvider services) : IClusterConnectionStatusObserver
{
    public void NotifyClusterConnectionLost() => Cache()?.DropChannels();

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        // A gateway fewer may have taken messages with it; so may a connection that came back.
        if (currentNumberOfGateways < previousNumberOfGateways || connectionRecovered)
        {
            Cache()?.DropChannels();
        }
    }

    private HotDataNearCache? Cache() => (HotDataNearCache?)services.GetService(typeof(HotDataNearCache));
}
