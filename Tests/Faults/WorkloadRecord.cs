namespace OrleansHotData.Tests.Faults;

/// <summary>A Kafka record of the workload, in the wire contract: produce it to the topic the silos read.</summary>
/// <param name="Key">The record key (the entity key).</param>
/// <param name="Value">The JSON value; <see langword="null"/> is a tombstone (delete).</param>
/// <param name="Operation">The <c>hotdata-op</c> header (<c>patch</c>, <c>incr</c>), or <see langword="null"/> for a plain set or a tombstone.</param>
/// <param name="Sequence">
/// The record's number in the workload, sent as the <see cref="SequenceHeader"/> header (the system ignores headers it
/// does not know): a record the broker stored twice shows as one number at two offsets.
/// </param>
public sealed record WorkloadRecord(string Key, string? Value, string? Operation, long Sequence)
{
    /// <summary>The header that carries <see cref="Sequence"/>.</summary>
    public const string SequenceHeader = "workload-seq";

    /// <summary>The record's headers as name/value pairs (UTF-8 text on the wire).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers
    {
        get
        {
            var sequence = new KeyValuePair<string, string>(SequenceHeader, Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Operation is null ? [sequence] : [new(HotDataHeaders.Operation, Operation), sequence];
        }
    }
}
