using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>A record found on a dead-letter topic: where it came from and why it was set aside.</summary>
public sealed record DeadLetter(string SourceTopic, int SourcePartition, long SourceOffset, string Reason, Message<byte[]?, byte[]?> Message);

/// <summary>Reads a topic's dead-letter topic with a real consumer, as an operator's tool would.</summary>
public static class DeadLetterReader
{
    /// <summary>
    /// Reads <paramref name="topic"/>'s dead-letter topic (<c>.dlq</c>, <paramref name="partitions"/> partitions) from the
    /// beginning until the dead letters of every source offset in <paramref name="expected"/> (partition, offset) have
    /// been seen or <paramref name="deadline"/> has passed; returns those found, by source position.
    /// </summary>
    public static IReadOnlyDictionary<(int Partition, long Offset), DeadLetter> Read(
        KafkaClientConfigs configs,
        string topic,
        int partitions,
        IReadOnlyCollection<(int Partition, long Offset)> expected,
        TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(configs);
        ArgumentNullException.ThrowIfNull(expected);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(configs.Consumer("dlq-reader-" + Guid.NewGuid().ToString("N"))).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic + ".dlq", p, Offset.Beginning)));
        var wanted = expected.ToHashSet();
        var found = new Dictionary<(int, long), DeadLetter>();
        var until = DateTime.UtcNow + deadline;
        while (found.Count < wanted.Count && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200))?.Message is not { } message)
            {
                continue;
            }

            string Header(string name) => Encoding.UTF8.GetString(message.Headers.GetLastBytes(name));
            if (Header(KafkaDeadLetterHeaders.SourceTopic) != topic)
            {
                continue;
            }

            var source = (int.Parse(Header(KafkaDeadLetterHeaders.SourcePartition), CultureInfo.InvariantCulture),
                long.Parse(Header(KafkaDeadLetterHeaders.SourceOffset), CultureInfo.InvariantCulture));
            if (wanted.Contains(source))
            {
                found[source] = new DeadLetter(topic, source.Item1, source.Item2, Header(KafkaDeadLetterHeaders.Reason), message);
            }
        }

        return found;
    }
}
