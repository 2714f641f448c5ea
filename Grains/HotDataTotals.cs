using Orleans.Streaming.Kafka;

namespace OrleansHotData.Grains;

/// <summary>One silo's running totals since it started, as <see cref="HotDataMetrics"/> counted them.</summary>
[GenerateSerializer, Immutable]
public sealed record HotDataTotals
{
    [Id(0)] public long AppliedFromApi { get; init; }

    [Id(1)] public long AppliedFromKafka { get; init; }

    [Id(2)] public long Duplicates { get; init; }

    [Id(3)] public long Stale { get; init; }

    /// <summary>Dead-lettered records by reason code.</summary>
    [Id(4)] public IReadOnlyDictionary<string, long> DeadLettered { get; init; } = new Dictionary<string, long>();

    [Id(5)] public long StorageWrites { get; init; }

    [Id(6)] public long StorageWriteFailures { get; init; }

    [Id(7)] public double StorageWriteSeconds { get; init; }

    [Id(8)] public long Watchers { get; init; }

    [Id(9)] public IReadOnlyList<HotDataApiTotals> Api { get; init; } = [];

    /// <summary>The Kafka partitions this silo reads, with their lag.</summary>
    [Id(10)] public IReadOnlyList<KafkaPartitionStatus> Partitions { get; init; } = [];
}
