using System.Collections.Frozen;
using Orleans.Configuration;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Maps every partition of every configured topic to its own <see cref="QueueId"/>, spread evenly over the hash
/// ring so the queue balancer hands each partition to exactly one silo, and maps a stream to the partition Kafka's
/// default partitioner puts its key in.
/// </summary>
internal sealed class KafkaStreamQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly QueueId[] queues;
    private readonly FrozenDictionary<QueueId, KafkaPartitionQueue> partitionsByQueue;
    private readonly FrozenDictionary<string, KafkaTopicQueues> topicsByNamespace;

    public KafkaStreamQueueMapper(IReadOnlyList<KafkaTopicOptions> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var total = topics.Sum(topic => topic.Partitions);
        if (total < 1)
        {
            throw new ArgumentException("At least one topic partition is required.", nameof(topics));
        }

        // Evenly spaced positions on the 2^32 ring, in topic then partition order.
        var spacing = (1UL << 32) / (ulong)total;
        queues = new QueueId[total];
        var byQueue = new Dictionary<QueueId, KafkaPartitionQueue>(total);
        var byNamespace = new Dictionary<string, KafkaTopicQueues>(StringComparer.Ordinal);
        var index = 0;
        foreach (var topic in topics)
        {
            var topicQueues = new QueueId[topic.Partitions];
            for (var partition = 0; partition < topic.Partitions; partition++)
            {
                var queue = QueueId.GetQueueId(topic.Name, (uint)partition, (uint)(spacing * (ulong)index));
                queues[index++] = queue;
                topicQueues[partition] = queue;
                byQueue.Add(queue, new KafkaPartitionQueue(topic, partition));
            }

            byNamespace.Add(topic.StreamNamespace, new KafkaTopicQueues(topic, topicQueues));
        }

        partitionsByQueue = byQueue.ToFrozenDictionary();
        topicsByNamespace = byNamespace.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<QueueId> GetAllQueues() => queues;

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        return queues.Where(queue => range.InRange(queue.GetUniformHashCode())).ToList();
    }

    public QueueId GetQueueForStream(StreamId streamId)
    {
        var topic = GetTopic(streamId);
        var partition = KafkaPartitioner.GetPartition(streamId.Key.Span, topic.Options.Partitions);
        return topic.Queues[partition];
    }

    public bool TryGetPartition(QueueId queueId, out KafkaPartitionQueue partition) =>
        partitionsByQueue.TryGetValue(queueId, out partition!);

    public KafkaTopicOptions GetTopicForNamespace(string? streamNamespace) =>
        GetTopicQueues(streamNamespace).Options;

    private KafkaTopicQueues GetTopic(StreamId streamId) => GetTopicQueues(streamId.GetNamespace());

    private KafkaTopicQueues GetTopicQueues(string? streamNamespace) =>
        streamNamespace is not null && topicsByNamespace.TryGetValue(streamNamespace, out var topic)
            ? topic
            : throw new ArgumentException(
                $"Stream namespace '{streamNamespace}' is not mapped to a Kafka topic; the configured namespaces are: {string.Join(", ", topicsByNamespace.Keys)}.",
                nameof(streamNamespace));

    public override string ToString() => $"{nameof(KafkaStreamQueueMapper)}: {queues.Length} partitions of {topicsByNamespace.Count} topics";

    private sealed record KafkaTopicQueues(KafkaTopicOptions Options, QueueId[] Queues);
}
