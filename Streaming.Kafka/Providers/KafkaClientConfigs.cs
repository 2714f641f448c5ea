using Confluent.Kafka;
using Orleans.Configuration;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>Builds librdkafka settings from <see cref="KafkaStreamOptions"/>.</summary>
internal static class KafkaClientConfigs
{
    // The provider's defaults; ClientConfig may override them.
    private const int FetchWaitMaxMs = 10;
    private const int FetchQueueBackoffMs = 0;
    private const int QueuedMaxMessagesKbytes = 16 * 1024;
    private const int ProducerLingerMs = 5;

    public static ConsumerConfig CreateConsumerConfig(KafkaStreamOptions options, string clientId)
    {
        var config = new ConsumerConfig
        {
            ClientId = clientId,
            // Orleans reads a partition every 100 ms; a broker that answers fetches quickly keeps that read full.
            FetchWaitMaxMs = FetchWaitMaxMs,
            FetchQueueBackoffMs = FetchQueueBackoffMs,
            // One consumer per partition: bound what each one prefetches.
            QueuedMaxMessagesKbytes = QueuedMaxMessagesKbytes,
        };
        Apply(config, options.ClientConfig);

        config.BootstrapServers = options.BootstrapServers;
        config.GroupId = options.ConsumerGroupId;
        config.AutoOffsetReset = options.AutoOffsetReset;
        // Offsets are committed by the receiver once Orleans reports records delivered, never earlier.
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        return config;
    }

    public static ProducerConfig CreateProducerConfig(KafkaStreamOptions options, string clientId)
    {
        var config = new ProducerConfig
        {
            ClientId = clientId,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = ProducerLingerMs,
            // librdkafka's default (1,000,000) is below the largest record the application accepts: the dead letter
            // of such a record would be refused locally and retried forever. ClientConfig may raise it (validated).
            MessageMaxBytes = options.GetRequiredProducerMessageMaxBytes(),
        };
        Apply(config, options.ClientConfig);

        config.BootstrapServers = options.BootstrapServers;
        // The partitioner of Kafka's Java client, so records keyed alike land alike whoever produced them.
        config.Partitioner = Partitioner.Murmur2Random;
        return config;
    }

    public static AdminClientConfig CreateAdminConfig(KafkaStreamOptions options, string clientId)
    {
        var config = new AdminClientConfig { ClientId = clientId };
        Apply(config, options.ClientConfig);
        config.BootstrapServers = options.BootstrapServers;
        return config;
    }

    private static void Apply(ClientConfig config, Dictionary<string, string>? settings)
    {
        if (settings is null)
        {
            return;
        }

        foreach (var (key, value) in settings)
        {
            config.Set(key, value);
        }
    }
}
