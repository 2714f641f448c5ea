using System.Collections.Concurrent;
using Orleans.Configuration;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Creates the <see cref="KafkaQueueCache"/> of each partition a silo reads, bounded by
/// <see cref="KafkaStreamOptions.CacheSize"/> and <see cref="KafkaStreamOptions.CacheMaxBytes"/>, and lets the
/// partition's receiver find it to name the record a stalled partition waits for.
/// </summary>
internal sealed class KafkaQueueAdapterCache : IQueueAdapterCache
{
    private readonly KafkaStreamOptions options;
    private readonly int deliveryBatchSize;
    private readonly ConcurrentDictionary<QueueId, KafkaQueueCache> caches = new();

    /// <summary>Creates the caches of one stream provider.</summary>
    /// <param name="options">The provider's options (cache bounds).</param>
    /// <param name="deliveryBatchSize">The pulling agent's <see cref="StreamPullingAgentOptions.BatchContainerBatchSize"/>.</param>
    public KafkaQueueAdapterCache(KafkaStreamOptions options, int deliveryBatchSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.deliveryBatchSize = deliveryBatchSize;
    }

    public IQueueCache CreateQueueCache(QueueId queueId)
    {
        // A pulling agent that restarts on the queue starts with a new cache; the receiver reads the newest.
        var cache = new KafkaQueueCache(options.CacheSize, options.CacheMaxBytes, deliveryBatchSize);
        caches[queueId] = cache;
        return cache;
    }

    /// <summary>The cache most recently created for <paramref name="queueId"/>, if any.</summary>
    public KafkaQueueCache? Find(QueueId queueId) => caches.GetValueOrDefault(queueId);
}
