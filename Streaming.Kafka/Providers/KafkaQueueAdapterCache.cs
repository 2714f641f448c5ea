using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Orleans' <see cref="SimpleQueueAdapterCache"/>, remembering the cache of each queue so that a receiver shutting
/// down can take what its consumers have passed. The pulling agent drops its cache on shutdown without a last purge;
/// without this, records delivered since the last read would stay uncommitted and be read again by the next owner.
/// </summary>
internal sealed class KafkaQueueAdapterCache(SimpleQueueAdapterCache inner) : IQueueAdapterCache
{
    private readonly ConcurrentDictionary<QueueId, IQueueCache> caches = new();

    public IQueueCache CreateQueueCache(QueueId queueId)
    {
        var cache = inner.CreateQueueCache(queueId);
        caches[queueId] = cache;
        return cache;
    }

    /// <summary>
    /// Purges the records every consumer of <paramref name="queueId"/> has passed. Call only from the queue's pulling
    /// agent (the receiver's own calls come from it), as the cache is not thread-safe.
    /// </summary>
    public bool TryPurgeDelivered(QueueId queueId, [NotNullWhen(true)] out IList<IBatchContainer>? delivered)
    {
        delivered = null;
        return caches.TryGetValue(queueId, out var cache) && cache.TryPurgeFromCache(out delivered);
    }
}
