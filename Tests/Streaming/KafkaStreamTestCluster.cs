using Orleans.Configuration;
using Orleans.Streaming.Kafka;
using Orleans.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansHotData.Tests.Streaming;

/// <summary>Starts in-process Orleans clusters whose silos read one Kafka topic through the Kafka stream provider.</summary>
public static class KafkaStreamTestCluster
{
    /// <summary>
    /// Starts <paramref name="silos"/> silos reading <paramref name="topic"/> (mapped to
    /// <see cref="KafkaStreamTestConstants.StreamNamespace"/>) as consumer group <paramref name="groupId"/>, and a
    /// client that can produce to it.
    /// </summary>
    /// <param name="bootstrapServers">The broker.</param>
    /// <param name="groupId">The consumer group.</param>
    /// <param name="topic">The topic to read.</param>
    /// <param name="partitions">Its partitions.</param>
    /// <param name="silos">How many silos to start.</param>
    /// <param name="configureAgent">Changes the pulling agents' options.</param>
    /// <param name="configureKafka">Changes the silos' Kafka options after the test defaults.</param>
    /// <param name="configureStreams">Changes the silos' stream provider further (backoff, cache).</param>
    public static async Task<InProcessTestCluster> StartAsync(
        string bootstrapServers,
        string groupId,
        string topic,
        int partitions,
        short silos,
        Action<StreamPullingAgentOptions>? configureAgent = null,
        Action<KafkaStreamOptions>? configureKafka = null,
        Action<SiloKafkaStreamConfigurator>? configureStreams = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) => silo
            .AddMemoryGrainStorage("PubSubStore")
            .AddKafkaStreams(KafkaStreamTestConstants.ProviderName, (SiloKafkaStreamConfigurator streams) =>
            {
                streams.ConfigureKafka(kafka =>
                {
                    Configure(kafka, bootstrapServers, groupId, topic, partitions);
                    configureKafka?.Invoke(kafka);
                });
                configureStreams?.Invoke(streams);
                streams.ConfigurePullingAgent(agent => agent.Configure(options =>
                {
                    options.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(50);
                    configureAgent?.Invoke(options);
                }));
            }));
        builder.ConfigureClient(client => client
            .AddKafkaStreams(KafkaStreamTestConstants.ProviderName, kafka => Configure(kafka, bootstrapServers, groupId, topic, partitions)));

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the silos gracefully (so receivers commit on the way out) and frees the cluster.</summary>
    public static async Task StopAsync(InProcessTestCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    /// <summary>The partitions each running silo reads, one list per silo.</summary>
    public static IReadOnlyList<IReadOnlyList<KafkaPartitionStatus>> ActivePartitionsPerSilo(InProcessTestCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return [.. cluster.GetActiveSilos()
            .Select(silo => silo.ServiceProvider.GetRequiredKeyedService<KafkaStreamDiagnostics>(KafkaStreamTestConstants.ProviderName).GetActivePartitions())];
    }

    /// <summary>How many records the silos of <paramref name="cluster"/> have dead-lettered.</summary>
    public static long DeadLetteredCount(InProcessTestCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.GetActiveSilos()
            .Sum(silo => silo.ServiceProvider.GetRequiredKeyedService<IKafkaDeadLetterPublisher>(KafkaStreamTestConstants.ProviderName).DeadLetteredCount);
    }

    private static void Configure(KafkaStreamOptions kafka, string bootstrapServers, string groupId, string topic, int partitions)
    {
        kafka.BootstrapServers = bootstrapServers;
        kafka.ConsumerGroupId = groupId;
        kafka.CommitInterval = TimeSpan.FromMilliseconds(100);
        kafka.Topics.Add(new KafkaTopicOptions { Name = topic, StreamNamespace = KafkaStreamTestConstants.StreamNamespace, Partitions = partitions });
    }
}
