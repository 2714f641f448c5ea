namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Decides whether one partition is stalled: it has records waiting (read and not yet delivered, or on the broker
/// beyond its lowest undelivered offset) and that offset — the one it commits — has not moved for longer than the
/// stall timeout. Fed by the receiver whenever it looks at the partition; time comes from a <see cref="TimeProvider"/>.
/// Not thread-safe.
/// </summary>
internal sealed class KafkaPartitionStallDetector
{
    private readonly TimeSpan stallTimeout;
    private readonly TimeProvider timeProvider;
    private long? watermark;
    private long progressAt;
    private bool observed;

    public KafkaPartitionStallDetector(TimeSpan stallTimeout, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stallTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.stallTimeout = stallTimeout;
        this.timeProvider = timeProvider;
    }

    /// <summary>Whether the partition was stalled at the last observation.</summary>
    public bool IsStalled { get; private set; }

    /// <summary>The offset the partition waits at while stalled.</summary>
    public long? StalledOffset => IsStalled ? watermark : null;

    /// <summary>When the watermark last moved (or the partition last had nothing waiting), as wall-clock time.</summary>
    public DateTimeOffset LastProgress => timeProvider.GetUtcNow() - timeProvider.GetElapsedTime(progressAt);

    /// <summary>Takes in the partition's state now and says whether that made it stalled or recovered.</summary>
    /// <param name="lowestUndelivered">The lowest offset not yet delivered (the commit watermark), or <see langword="null"/> while unknown.</param>
    /// <param name="hasWaitingRecords">Whether records at or after that offset wait to be read or delivered.</param>
    /// <returns>The change of state this observation caused.</returns>
    public KafkaPartitionStallChange Observe(long? lowestUndelivered, bool hasWaitingRecords)
    {
        var now = timeProvider.GetTimestamp();
        if (!observed || lowestUndelivered != watermark || !hasWaitingRecords)
        {
            observed = true;
            watermark = lowestUndelivered;
            progressAt = now;
            if (IsStalled)
            {
                IsStalled = false;
                return KafkaPartitionStallChange.Recovered;
            }

            return KafkaPartitionStallChange.None;
        }

        if (!IsStalled && timeProvider.GetElapsedTime(progressAt, now) > stallTimeout)
        {
            IsStalled = true;
            return KafkaPartitionStallChange.Stalled;
        }

        return KafkaPartitionStallChange.None;
    }
}
