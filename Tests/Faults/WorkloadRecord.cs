namespace OrleansHotData.Tests.Faults;

/// <summary>A Kafka record of the workload, in the wire contract: produce it to the topic the silos read.</summary>
/// <param name="Key">The record key (the entity key).</param>
/// <param name="Value">The JSON value; <see langword="null"/> is a tombstone (delete).</param>
/// <param name="Operation">The <c>hotdata-op</c> header (<c>patch</c>, <c>incr</c>), or <see langword="null"/> for a plain set or a tombstone.</param>
public sealed record WorkloadRecord(string Key, string? Value, string? Operation)
{
    /// <summary>The record's headers as name/value pairs (UTF-8 text on the wire).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers =>
        Operation is null ? [] : [new(HotDataHeaders.Operation, Operation)];
}
