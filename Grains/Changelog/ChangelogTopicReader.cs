using Confluent.Kafka;

namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// Reads a changelog topic from its beginning to the end it had when reading started, every partition, without
/// joining or committing a consumer group: the input of a rebuild, and a way to audit the changelog.
/// </summary>
public static class ChangelogTopicReader
{
    /// <summary>
    /// Calls <paramref name="onRecord"/> for every record of <paramref name="topic"/> up to its end offsets as of now,
    /// in partition order within each partition. Returns how many records were read.
    /// </summary>
    /// <param name="config">The consumer settings (brokers, security); its group id is used for nothing but identification.</param>
    /// <param name="topic">The changelog topic.</param>
    /// <param name="onRecord">Receives each record's partition, offset and message.</param>
    /// <param name="cancellationToken">Stops reading; also bounds waiting for a broker that does not answer.</param>
    /// <exception cref="KafkaException">The topic does not exist or the brokers cannot be reached.</exception>
    public static long Read(ConsumerConfig config, string topic, Action<TopicPartitionOffset, Message<byte[]?, byte[]?>> onRecord, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(onRecord);
        var settings = new ConsumerConfig(new Dictionary<string, string>(config))
        {
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        };
        settings.GroupId ??= "hotdata-changelog-reader";
        var partitions = Partitions(settings, topic);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings).Build();
        var ends = new Dictionary<int, long>();
        foreach (var partition in partitions)
        {
            var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(30)).High.Value;
            if (end > 0)
            {
                ends[partition] = end;
            }
        }

        if (ends.Count == 0)
        {
            return 0;
        }

        consumer.Assign(ends.Keys.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        long read = 0;
        while (ends.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
            {
                continue;
            }

            var partition = result.Partition.Value;
            if (!ends.TryGetValue(partition, out var end))
            {
                continue;
            }

            if (!result.IsPartitionEOF)
            {
                onRecord(result.TopicPartitionOffset, result.Message);
                read++;
            }

            if (result.IsPartitionEOF || result.Offset.Value + 1 >= end)
            {
                ends.Remove(partition);
                consumer.IncrementalUnassign([new TopicPartition(topic, partition)]);
            }
        }

        return read;
    }

    private static List<int> Partitions(ConsumerConfig config, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(new Dictionary<string, string>(config.Where(p => !IsConsumerOnly(p.Key))))).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30));
        var described = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        if (described is null || described.Error.IsError || described.Partitions.Count == 0)
        {
            throw new KafkaException(new Error(described?.Error.Code ?? Confluent.Kafka.ErrorCode.UnknownTopicOrPart, $"The changelog topic '{topic}' does not exist or cannot be described: {described?.Error.Reason}"));
        }

        return [.. described.Partitions.Select(p => p.PartitionId).Order()];
    }

    private static bool IsConsumerOnly(string setting) =>
        setting is "group.id" or "enable.auto.commit" or "enable.auto.offset.store" or "auto.offset.reset" or "enable.partition.eof"
            || setting.StartsWith("fetch.", StringComparison.Ordinal);
}
