using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Streaming.Kafka;
using Orleans.Streaming.Kafka.Providers;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaDeadLetterSizeTests(KafkaStreamClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The largest value the silo accepts by default (<c>HotData:MaxValueBytes</c>).</summary>
    private const int MaxValueBytes = 1024 * 1024;

    [Fact]
    public async Task A_record_with_a_value_of_the_largest_accepted_size_reaches_the_dead_letter_topic_whole()
    {
        var value = new byte[MaxValueBytes];
        Random.Shared.NextBytes(value);
        var producerConfig = fixture.Kafka.ProducerConfig();
        producerConfig.MessageMaxBytes = 2 * MaxValueBytes;
        const int Partition = 5;
        long offset;
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(producerConfig).Build())
        {
            // No key: the receiver itself dead-letters it.
            var message = new Message<byte[]?, byte[]> { Key = null, Value = value, Headers = [new Header("trace", "t-1"u8.ToArray())] };
            offset = (await producer.ProduceAsync(new TopicPartition(fixture.Topic, Partition), message)).Offset.Value;
        }

        var deadLetter = ReadDeadLetter(fixture.DeadLetterTopic, fixture.Topic, Partition, offset);

        Assert.Null(deadLetter.Message.Key);
        Assert.Equal(value, deadLetter.Message.Value);
        Assert.Equal(KafkaDeadLetterHeaders.MissingKeyReason, HeaderText(deadLetter, KafkaDeadLetterHeaders.Reason));
        Assert.Equal("t-1", HeaderText(deadLetter, "trace"));
        Assert.Null(HeaderText(deadLetter, KafkaDeadLetterHeaders.ValueOmitted));
    }

    [Fact]
    public async Task A_dead_letter_refused_as_too_large_is_written_without_its_value_saying_so()
    {
        var topic = fixture.Kafka.Cluster.CreateTopicWithDeadLetters("dlq-size", 1);
        // Smaller than the record: the producer refuses it as too large, as a broker with a lower limit would.
        var options = new KafkaStreamOptions { BootstrapServers = fixture.Kafka.BootstrapServers, ConsumerGroupId = "unused", MaxRecordBytes = 10_000 };
        using var connection = new KafkaProducerConnection("size-test", options, NullLoggerFactory.Instance);
        var publisher = new KafkaDeadLetterPublisher("size-test", options, connection, NullLoggerFactory.Instance);
        var record = new KafkaRecord
        {
            Topic = topic,
            Partition = 0,
            Offset = 4711,
            Key = "big-key",
            Value = new byte[100_000],
            Headers = [new KafkaHeader("op", "set"u8.ToArray())],
            Timestamp = DateTimeOffset.UtcNow,
        };

        await publisher.PublishAsync(record, "invalid-json");

        var deadLetter = ReadDeadLetter(options.GetDeadLetterTopic(topic), topic, 0, 4711);
        Assert.Equal("big-key", Encoding.UTF8.GetString(deadLetter.Message.Key!));
        Assert.Null(deadLetter.Message.Value);
        Assert.Equal("100000", HeaderText(deadLetter, KafkaDeadLetterHeaders.ValueOmitted));
        Assert.Equal("invalid-json", HeaderText(deadLetter, KafkaDeadLetterHeaders.Reason));
        Assert.Equal("set", HeaderText(deadLetter, "op"));
        Assert.Equal(1, publisher.DeadLetteredCount);
    }

    [Fact]
    public async Task A_dead_letter_publish_that_fails_is_counted()
    {
        var topic = EmbeddedKafkaFixture.UniqueTopicName("dlq-down");
        var options = new KafkaStreamOptions
        {
            // Nothing listens here: the write times out.
            BootstrapServers = $"127.0.0.1:{FreePort.Next()}",
            ConsumerGroupId = "unused",
            ClientConfig = { ["message.timeout.ms"] = "500" },
        };
        using var connection = new KafkaProducerConnection("down-test", options, NullLoggerFactory.Instance);
        var publisher = new KafkaDeadLetterPublisher("down-test", options, connection, NullLoggerFactory.Instance);
        var record = new KafkaRecord { Topic = topic, Partition = 0, Offset = 1, Key = "k", Value = "{"u8.ToArray(), Headers = [], Timestamp = DateTimeOffset.UtcNow };

        var failures = await KafkaStreamMetrics.CountAsync(
            "orleans.streaming.kafka.dead_letter_failures",
            topic,
            () => Assert.ThrowsAsync<ProduceException<byte[]?, byte[]?>>(() => publisher.PublishAsync(record, "invalid-json")));

        Assert.Equal(1, failures);
        Assert.Equal(0, publisher.DeadLetteredCount);
    }

    private ConsumeResult<byte[]?, byte[]?> ReadDeadLetter(string deadLetterTopic, string sourceTopic, int partition, long offset)
    {
        var config = fixture.Kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName("dlq-size-reader"));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Assign(new TopicPartitionOffset(deadLetterTopic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow + Deadline;
        var seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result)
            {
                seen++;
                if (HeaderText(result, KafkaDeadLetterHeaders.SourceTopic) == sourceTopic
                    && HeaderText(result, KafkaDeadLetterHeaders.SourcePartition) == partition.ToString(CultureInfo.InvariantCulture)
                    && HeaderText(result, KafkaDeadLetterHeaders.SourceOffset) == offset.ToString(CultureInfo.InvariantCulture))
                {
                    return result;
                }
            }
        }

        throw new TimeoutException($"No dead letter of {sourceTopic}[{partition}]@{offset} in {deadLetterTopic} within {Deadline} ({seen} others).");
    }

    private static string? HeaderText(ConsumeResult<byte[]?, byte[]?> result, string name) =>
        result.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
