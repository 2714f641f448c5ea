using System.Globalization;
using System.Text;
using Confluent.Kafka;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Reads back what the broker holds of a workload's topic, to tell a record the broker stored twice (a producer
/// retry it did not recognise as one) from a record the system applied twice.
/// </summary>
public static class TopicAudit
{
    /// <summary>
    /// One line per workload record stored more than once in <paramref name="topic"/> (the same
    /// <see cref="WorkloadRecord.SequenceHeader"/> at several offsets), naming its key and offsets.
    /// </summary>
    public static IReadOnlyList<string> FindStoredTwice(KafkaClientConfigs configs, string topic, int partitions, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(configs);
        using var consumer = new ConsumerBuilder<string?, byte[]?>(configs.Consumer("audit-" + Guid.NewGuid().ToString("N"))).Build();
        var ends = Enumerable.Range(0, partitions)
            .ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), timeout).High.Value);
        consumer.Assign(ends.Where(e => e.Value > 0).Select(e => new TopicPartitionOffset(topic, e.Key, Offset.Beginning)));
        var seen = new Dictionary<string, List<(string? Key, int Partition, long Offset)>>(StringComparer.Ordinal);
        var remaining = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        while (remaining.Count > 0 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message is not { } message)
            {
                continue;
            }

            if (result.Offset.Value + 1 >= ends[result.Partition.Value])
            {
                remaining.Remove(result.Partition.Value);
            }

            if (message.Headers?.TryGetLastBytes(WorkloadRecord.SequenceHeader, out var bytes) == true)
            {
                var sequence = Encoding.UTF8.GetString(bytes);
                if (!seen.TryGetValue(sequence, out var places))
                {
                    seen[sequence] = places = [];
                }

                places.Add((message.Key, result.Partition.Value, result.Offset.Value));
            }
        }

        var lines = seen.Where(s => s.Value.Count > 1)
            .Select(s => string.Create(CultureInfo.InvariantCulture,
                $"record {s.Key} of key {s.Value[0].Key} is stored {s.Value.Count} times: partition {s.Value[0].Partition} at offsets {string.Join(", ", s.Value.Select(p => p.Offset))}"))
            .ToList();
        if (remaining.Count > 0)
        {
            lines.Add($"(the audit did not reach the end of partitions {string.Join(", ", remaining)} within {timeout.TotalSeconds:0} s)");
        }

        return lines;
    }
}
