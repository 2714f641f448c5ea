namespace Orleans.Streaming.Kafka.Providers;

/// <summary>A record held by <see cref="KafkaQueueCache"/>: the container handed to consumers and what it costs the cache.</summary>
/// <param name="Container">The record's batch container.</param>
/// <param name="Bytes">Its estimated size, counted against <see cref="Orleans.Configuration.KafkaStreamOptions.CacheMaxBytes"/>.</param>
internal record struct KafkaCachedRecord(KafkaBatchContainer Container, int Bytes)
{
    /// <summary>Whether a delivery that carried it failed for good: it is then never reported delivered.</summary>
    public bool DeliveryFailed { get; set; }
}
