using Confluent.Kafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>Producer and consumer settings that tests against the embedded broker should use.</summary>
/// <param name="BootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
public sealed record KafkaClientConfigs(string BootstrapServers)
{
    /// <summary>Acks from all replicas, idempotent, short linger.</summary>
    public ProducerConfig Producer() => new()
    {
        BootstrapServers = BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
    };

    /// <summary>
    /// Manual commits; <c>Earliest</c> because the mock keeps little data and the default <c>Latest</c> would
    /// silently skip; short fetch waits because the mock answers one batch per partition per fetch.
    /// </summary>
    /// <param name="groupId">The consumer group; never shared with a <c>Subscribe</c> consumer.</param>
    public ConsumerConfig Consumer(string groupId) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        FetchWaitMaxMs = 10,
        FetchQueueBackoffMs = 0,
    };
}
