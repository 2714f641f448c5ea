namespace OrleansHotData;

/// <summary>
/// A process's near-cache, as the silos see it: one observer per process, told of every applied change of the keys it
/// subscribed to, in batches, one-way. Each silo numbers the messages it sends to one observer (a channel) without
/// gaps, and sends a heartbeat carrying the last number on a short fixed period, so the process can tell at once that a
/// message was lost (a gap) and that a silo went silent (no heartbeat).
/// </summary>
public interface IHotDataCacheObserver : IGrainObserver
{
    /// <summary>Receives one message of a silo's channel to this process: changes and ended subscriptions, or a heartbeat.</summary>
    void OnCachePush(HotDataCachePush push);
}

/// <summary>One message from a silo to a process's near-cache.</summary>
/// <param name="Channel">The channel: one silo's stream of messages to this observer. A new channel starts over at 0.</param>
/// <param name="Sequence">
/// For changes or ended subscriptions, the message's number in the channel (one more than the previous one); for a
/// heartbeat, the number of the last such message sent before it.
/// </param>
/// <param name="Round">The silo's heartbeat round when the message was sent: it only grows.</param>
/// <param name="Changes">The changes applied since the last message, in the order each key applied them.</param>
/// <param name="Ended">Keys whose subscription ended (lease run out, activation gone): their entries are no longer kept current.</param>
[GenerateSerializer, Immutable]
public sealed record HotDataCachePush(
    [property: Id(0)] string Channel,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long Round,
    [property: Id(3)] HotDataNotification[]? Changes,
    [property: Id(4)] string[]? Ended)
{
    /// <summary>Whether this message only confirms that everything up to <see cref="Sequence"/> was sent.</summary>
    public bool IsHeartbeat => Changes is null && Ended is null;
}

/// <summary>The answer to a near-cache subscription: the key's state now, and where its changes will come from.</summary>
/// <param name="Current">The key's state now (version 0 and no value when it never had one).</param>
/// <param name="Channel">The channel the key's changes will arrive on.</param>
/// <param name="Sequence">The channel's last message number before the subscription: the key's changes come after it.</param>
/// <param name="Round">The silo's heartbeat round at the subscription: only a later round's heartbeat confirms it.</param>
[GenerateSerializer, Immutable]
public sealed record HotDataCacheSubscription(
    [property: Id(0)] HotDataNotification Current,
    [property: Id(1)] string Channel,
    [property: Id(2)] long Sequence,
    [property: Id(3)] long Round);
