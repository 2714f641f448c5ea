using System.Globalization;
using System.Text;
using Confluent.Kafka;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Reads back what the broker holds of a workload's topic, to tell a record the broker stored twice (a producer
/// retry it did not recognise as one) from a record the system applied twice.
/// </summary>
/// <remarks>
/// librdkafka's mock broker checks producer sequence numbers only for transactional producers: a batch an idempotent
/// producer retries because the broker went down after storing it but before answering is stored again, at new
/// offsets. The system rightly applies such a copy as the separate record it is.
/// </remarks>
public static class TopicAudit
{
    /// <summary>
    /// Every workload record (one with a <see cref="WorkloadRecord.SequenceHeader"/>) stored in <paramref name="topic"/>,
    /// in log order per partition. Throws when the end of a partition is not reached within <paramref name="timeout"/>.
    /// </summary>
    public static IReadOnlyList<StoredRecord> ReadWorkloadRecords(KafkaClientConfigs configs, string topic, int partitions, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(configs);
        using var consumer = new ConsumerBuilder<string?, byte[]?>(configs.Consumer("audit-" + Guid.NewGuid().ToString("N"))).Build();
        var ends = Enumerable.Range(0, partitions)
            .ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), timeout).High.Value);
        consumer.Assign(ends.Where(e => e.Value > 0).Select(e => new TopicPartitionOffset(topic, e.Key, Offset.Beginning)));
        var records = new List<StoredRecord>();
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
                var sequence = long.Parse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture);
                records.Add(new StoredRecord(message.Key, sequence, new KafkaPosition(result.Partition.Value, result.Offset.Value)));
            }
        }

        if (remaining.Count > 0)
        {
            throw new TimeoutException($"The audit did not reach the end of partitions {string.Join(", ", remaining)} of topic {topic} within {timeout.TotalSeconds:0} s.");
        }

        return [.. records.OrderBy(r => r.Position.Partition).ThenBy(r => r.Position.Offset)];
    }

    /// <summary>
    /// One line per workload record stored more than once in <paramref name="records"/> (the same sequence at several
    /// offsets), naming its key and offsets.
    /// </summary>
    public static IReadOnlyList<string> DescribeStoredTwice(IReadOnlyList<StoredRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return [.. records.GroupBy(r => r.Sequence)
            .Where(g => g.Count() > 1)
            .Select(g => string.Create(CultureInfo.InvariantCulture,
                $"record {g.Key} of key {g.First().Key} is stored {g.Count()} times: partition {g.First().Position.Partition} at offsets {string.Join(", ", g.Select(r => r.Position.Offset))}"))];
    }
}
