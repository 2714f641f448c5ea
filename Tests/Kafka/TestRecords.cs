using System.Text;
using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>What the tests that feed silos through the embedded broker share: their records and their topics.</summary>
public static class TestRecords
{
    /// <summary>A record with a UTF-8 value and headers; a <see langword="null"/> <paramref name="value"/> is a tombstone.</summary>
    public static Message<string?, byte[]?> Create(string? key, string? value, IEnumerable<(string Name, string Value)> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var message = new Message<string?, byte[]?>
        {
            Key = key,
            Value = value is null ? null : Encoding.UTF8.GetBytes(value),
            Headers = [],
        };
        foreach (var (name, headerValue) in headers)
        {
            message.Headers.Add(name, Encoding.UTF8.GetBytes(headerValue));
        }

        return message;
    }

    /// <summary>
    /// Creates a fresh topic, its dead-letter topic and its changelog topic (where silos reading it publish every
    /// applied change), all with <paramref name="partitions"/> partitions.
    /// </summary>
    public static string CreateTopicWithDeadLetters(this EmbeddedKafkaCluster kafka, string prefix, int partitions)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        var topic = EmbeddedKafkaFixture.UniqueTopicName(prefix);
        kafka.CreateTopic(topic, partitions);
        kafka.CreateTopic(topic + ".dlq", partitions);
        kafka.CreateTopic(topic + ".changes", partitions);
        return topic;
    }
}
