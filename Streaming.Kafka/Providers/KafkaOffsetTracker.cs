namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// The delivery state of one partition: which offsets were handed to Orleans and not yet reported delivered.
/// Its <see cref="Watermark"/> is the offset to commit: every record before it has been delivered. A record that
/// is never reported delivered holds the watermark where it is. Not thread-safe.
/// </summary>
internal sealed class KafkaOffsetTracker
{
    private readonly SortedSet<long> pending = [];
    private long next = -1;

    /// <summary>The lowest offset not yet delivered, or one past the highest offset handed out if all were; <see langword="null"/> before the first record.</summary>
    public long? Watermark => next < 0 ? null : pending.Count > 0 ? pending.Min : next;

    /// <summary>One past the highest offset handed out, or <see langword="null"/> before the first record.</summary>
    public long? NextOffset => next < 0 ? null : next;

    /// <summary>How many handed-out records are not yet delivered.</summary>
    public int PendingCount => pending.Count;

    /// <summary>Records that <paramref name="offset"/> was handed out.</summary>
    public void Track(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        pending.Add(offset);
        next = Math.Max(next, offset + 1);
    }

    /// <summary>Records that <paramref name="offset"/> is delivered (or otherwise finished with).</summary>
    public void Complete(long offset) => pending.Remove(offset);
}
