using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Streaming.Kafka.Providers;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// The dead-letterer alone, writing through a real producer to a cluster of each test's own (the tests switch its
/// broker down).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaDeadLettererTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_write_that_fails_is_retried_until_the_record_is_stored_and_only_then_reported()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var (source, deadLetters) = ("dl-retry", "dl-retry.dlq");
        cluster.CreateTopic(source, partitions: 1);
        cluster.CreateTopic(deadLetters, partitions: 1);
        var record = await ReadKeylessRecordAsync(cluster, source, "poison");
        using var producer = ShortTimeoutProducer(cluster);
        var attempts = 0;
        var written = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadLetterer = new KafkaDeadLetterer(
            "test",
            async (result, reason, ct) =>
            {
                Interlocked.Increment(ref attempts);
                await producer.ProduceAsync(deadLetters, new Message<byte[]?, byte[]?> { Key = result.Message.Key, Value = result.Message.Value }, ct);
            },
            offset => written.TrySetResult(offset),
            TimeProvider.System,
            NullLogger.Instance);

        cluster.SetBrokerDown();
        deadLetterer.Start(record, "missing-key");
        // Each attempt against the downed broker times out after the producer's message timeout; wait for a retry.
        await Eventually.HoldsAsync(() => Volatile.Read(ref attempts) >= 2, Patience, () => "no second attempt");
        Assert.False(written.Task.IsCompleted);
        cluster.SetBrokerUp();

        Assert.Equal(record.Offset.Value, await written.Task.WaitAsync(Patience));
        await deadLetterer.WhenAllDone().WaitAsync(Patience);
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers).Consumer("dl-retry-reader")).Build();
        reader.Assign(new TopicPartitionOffset(deadLetters, 0, Offset.Beginning));
        var stored = reader.ConsumeExactly(1, Patience).Single();
        Assert.Equal("poison", Encoding.UTF8.GetString(stored.Message.Value!));
    }

    [Fact]
    public async Task Stopping_gives_up_on_a_record_not_yet_written_without_reporting_it()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string source = "dl-stop";
        cluster.CreateTopic(source, partitions: 1);
        cluster.CreateTopic(source + ".dlq", partitions: 1);
        var record = await ReadKeylessRecordAsync(cluster, source, "poison");
        using var producer = ShortTimeoutProducer(cluster);
        var attempts = 0;
        var reported = false;
        using var deadLetterer = new KafkaDeadLetterer(
            "test",
            async (result, reason, ct) =>
            {
                Interlocked.Increment(ref attempts);
                await producer.ProduceAsync(source + ".dlq", new Message<byte[]?, byte[]?> { Key = result.Message.Key, Value = result.Message.Value }, ct);
            },
            _ => reported = true,
            TimeProvider.System,
            NullLogger.Instance);

        cluster.SetBrokerDown();
        deadLetterer.Start(record, "missing-key");
        await Eventually.HoldsAsync(() => Volatile.Read(ref attempts) >= 1, Patience, () => "no attempt");
        await deadLetterer.Stop();

        await deadLetterer.WhenAllDone().WaitAsync(Patience);
        Assert.False(reported);
        cluster.SetBrokerUp();
    }

    private static IProducer<byte[]?, byte[]?> ShortTimeoutProducer(EmbeddedKafkaCluster cluster)
    {
        // A short message timeout makes a write against a downed broker fail in seconds rather than minutes.
        var config = new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All, MessageTimeoutMs = 1500, ReconnectBackoffMaxMs = 500 };
        return new ProducerBuilder<byte[]?, byte[]?>(config).Build();
    }

    private static async Task<ConsumeResult<byte[]?, byte[]?>> ReadKeylessRecordAsync(EmbeddedKafkaCluster cluster, string topic, string value)
    {
        var configs = EmbeddedKafkaFixture.ForCluster(cluster.BootstrapServers);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(configs.Producer()).Build())
        {
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = null, Value = Encoding.UTF8.GetBytes(value) }).WaitAsync(Patience);
        }

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(configs.Consumer(topic + "-reader")).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        return consumer.ConsumeExactly(1, Patience).Single();
    }
}
