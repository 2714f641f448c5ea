using System.Collections.Concurrent;

namespace Orleans.Streaming.Kafka;

/// <summary>
/// Lists the Kafka partitions this silo is reading for one stream provider. One instance exists per provider;
/// resolve it as a keyed service with the provider name as key. On a client it is always empty.
/// </summary>
public sealed class KafkaStreamDiagnostics
{
    private readonly ConcurrentDictionary<IKafkaPartitionStatusSource, byte> receivers = new();

    /// <summary>The partitions with a running receiver in this silo, ordered by topic and partition.</summary>
    /// <returns>A snapshot of their state.</returns>
    public IReadOnlyList<KafkaPartitionStatus> GetActivePartitions() =>
        [.. receivers.Keys
            .Select(receiver => receiver.GetStatus())
            .OrderBy(status => status.Topic, StringComparer.Ordinal)
            .ThenBy(status => status.Partition)];

    internal void Register(IKafkaPartitionStatusSource receiver) => receivers.TryAdd(receiver, 0);

    internal void Unregister(IKafkaPartitionStatusSource receiver) => receivers.TryRemove(receiver, out _);
}
