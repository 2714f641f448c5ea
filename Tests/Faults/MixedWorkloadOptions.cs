namespace OrleansHotData.Tests.Faults;

/// <summary>The shape and pace of a <see cref="MixedWorkload"/>.</summary>
public sealed record MixedWorkloadOptions
{
    /// <summary>Seeds every random choice, so a run's sequence of changes can be reproduced.</summary>
    public int Seed { get; init; } = 20261127;

    /// <summary>Starts every key, so runs on one cluster never share keys. Default: a fresh random prefix.</summary>
    public string KeyPrefix { get; init; } = "wl" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Keys written only by Kafka records (set, patch, incr, tombstone), Zipf-skewed so a handful are very hot.</summary>
    public int KafkaKeys { get; init; } = 300;

    /// <summary>Hot keys whose field <c>n</c> gets Kafka <c>incr</c> records and API increments at the same time.</summary>
    public int SharedKeys { get; init; } = 4;

    /// <summary>API writers; each writes its own keys one write at a time, and increments the shared keys.</summary>
    public int ApiWriters { get; init; } = 8;

    /// <summary>Kafka records produced per second.</summary>
    public double KafkaRecordsPerSecond { get; init; } = 400;

    /// <summary>API writes per second, over all writers.</summary>
    public double ApiWritesPerSecond { get; init; } = 100;

    /// <summary>The share of Kafka records that are increments of the shared keys.</summary>
    public double KafkaSharedShare { get; init; } = 0.1;

    /// <summary>The share of API writes that are increments of the shared keys (the rest write the writer's own key).</summary>
    public double ApiSharedShare { get; init; } = 0.5;

    /// <summary>An API write without an answer after this long counts as unknown (a hang); the writer moves on.</summary>
    public TimeSpan ApiWriteTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The most Kafka records awaiting the broker's acknowledgement before the producing loop waits.</summary>
    public int MaxKafkaInFlight { get; init; } = 50_000;
}
