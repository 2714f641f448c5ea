namespace Orleans.Streaming.Kafka;

/// <summary>What one partition receiver in this silo is doing.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="NextOffset">One past the highest offset read so far; <see langword="null"/> before the first record.</param>
/// <param name="CommittedOffset">The last offset this receiver committed; <see langword="null"/> before its first commit.</param>
/// <param name="PendingRecords">Records read but not yet reported delivered (including those being dead-lettered).</param>
/// <param name="HighWatermark">
/// One past the last record in the partition, as the broker last reported it to this receiver's consumer;
/// <see langword="null"/> until the consumer's first fetch.
/// </param>
/// <param name="Lag">
/// Records in the partition not yet delivered: <paramref name="HighWatermark"/> minus the lowest offset not yet
/// delivered (or, before the first record, the offset the receiver started from); <see langword="null"/> while either
/// is unknown.
/// </param>
/// <param name="IsConsuming">Whether the receiver has a consumer; <see langword="false"/> while creating one fails.</param>
/// <param name="StalledSince">
/// While the partition is stalled (records wait, and its lowest undelivered offset has not moved for longer than
/// <c>KafkaStreamOptions.StallTimeout</c>): when that offset last moved; otherwise <see langword="null"/>.
/// </param>
/// <param name="StalledOffset">
/// While stalled: the offset of the record that holds the partition — the lowest one whose delivery is being retried,
/// or, without one, the lowest not yet delivered (or the next to read).
/// </param>
/// <param name="StalledKey">
/// While stalled: the key of the record at <paramref name="StalledOffset"/>, when that record has been read and has a
/// text key; otherwise <see langword="null"/>.
/// </param>
/// <param name="StalledDeliveryAttempts">
/// While stalled: how many times this silo has tried to deliver the record at <paramref name="StalledOffset"/> (0 when
/// it is not being delivered, for example while it is dead-lettered or not yet read).
/// </param>
[GenerateSerializer, Immutable]
public sealed record KafkaPartitionStatus(
    [property: Id(0)] string Topic,
    [property: Id(1)] int Partition,
    [property: Id(2)] long? NextOffset,
    [property: Id(3)] long? CommittedOffset,
    [property: Id(4)] int PendingRecords,
    [property: Id(5)] long? HighWatermark = null,
    [property: Id(6)] long? Lag = null,
    [property: Id(7)] bool IsConsuming = false,
    [property: Id(8)] DateTimeOffset? StalledSince = null,
    [property: Id(9)] long? StalledOffset = null,
    [property: Id(10)] string? StalledKey = null,
    [property: Id(11)] int? StalledDeliveryAttempts = null)
{
    /// <summary>Whether the partition is stalled: see <see cref="StalledSince"/>.</summary>
    public bool IsStalled => StalledSince is not null;
}
