using Orleans.Concurrency;

namespace OrleansHotData;

/// <summary>
/// The actor for one entity key (the grain's string key). Every change to the key — from the HTTP API, the SDK or
/// a Kafka record — is applied here, one at a time, and persisted before it is acknowledged.
/// </summary>
public interface IHotDataGrain : IGrainWithStringKey
{
    /// <summary>Returns the key's current value from memory, or <see langword="null"/> when it is absent or expired.</summary>
    [ReadOnly]
    Task<HotDataValue?> GetAsync();

    /// <summary>Applies one change and persists it before returning.</summary>
    /// <param name="change">The change to apply.</param>
    /// <returns>The outcome: applied (with the new value), or why it was not.</returns>
    Task<WriteResult> ApplyAsync(HotDataChange change);

    /// <summary>
    /// Subscribes <paramref name="observer"/> to the key's changes for <see cref="HotDataWatch.SubscriptionLease"/>, or
    /// renews its subscription. Every change applied after this call is sent to it.
    /// </summary>
    /// <returns>The key's state now, or <see langword="null"/> when it has never had a value.</returns>
    Task<HotDataNotification?> WatchAsync(IHotDataChangeObserver observer);

    /// <summary>Ends the subscription of <paramref name="observer"/>.</summary>
    Task UnwatchAsync(IHotDataChangeObserver observer);

    /// <summary>
    /// Subscribes a process's near-cache to the key's changes for <see cref="HotDataWatch.SubscriptionLease"/>, or
    /// renews the subscription: every change applied after this call reaches <paramref name="observer"/> through the
    /// channel named in the answer.
    /// </summary>
    [ReadOnly]
    Task<HotDataCacheSubscription> SubscribeCacheAsync(IHotDataCacheObserver observer);
}
