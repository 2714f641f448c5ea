using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>
/// Checks reads against the writes acknowledged before them. A read that started at <c>t</c> and returned version
/// <c>v</c> of a key is stale when a version above <c>v</c> had been acknowledged before <c>t − maxStaleness</c>; it
/// goes back when its reader had already read a higher version of the key. Writes of a key must be reported in
/// version order (one writer per key, one write at a time). Thread-safe; times are stopwatch timestamps.
/// </summary>
public sealed class StalenessAudit
{
    private readonly List<(long At, long Version)>[] _acknowledged;
    private readonly long _maxStalenessTicks;
    private long _reads;
    private long _stale;
    private long _backward;
    private long _worstLagTicks;

    /// <param name="keys">Keys are numbered 0 to <paramref name="keys"/> − 1.</param>
    /// <param name="maxStaleness">The oldest a read may be.</param>
    public StalenessAudit(int keys, TimeSpan maxStaleness)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        _acknowledged = [.. Enumerable.Range(0, keys).Select(_ => new List<(long, long)>())];
        _maxStalenessTicks = (long)(maxStaleness.TotalSeconds * Stopwatch.Frequency);
    }

    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Reads older than the bound.</summary>
    public long StaleReads => Interlocked.Read(ref _stale);

    /// <summary>Reads that returned a lower version than their reader had read before.</summary>
    public long BackwardReads => Interlocked.Read(ref _backward);

    /// <summary>The most a stale read lagged: its start minus the acknowledgement of the first version it missed.</summary>
    public TimeSpan WorstLag => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _worstLagTicks));

    /// <summary>A write of <paramref name="version"/> to key <paramref name="key"/> was acknowledged at <paramref name="at"/>.</summary>
    public void Acknowledged(int key, long version, long at)
    {
        var acks = _acknowledged[key];
        lock (acks)
        {
            if (acks.Count == 0 || acks[^1].Version < version)
            {
                acks.Add((at, version));
            }
        }
    }

    /// <summary>
    /// A read of key <paramref name="key"/> that started at <paramref name="startedAt"/> returned
    /// <paramref name="version"/>; its reader had read <paramref name="previousVersion"/> of the key before (0: none).
    /// Returns whether the read was within the bound and in order.
    /// </summary>
    public bool Read(int key, long version, long startedAt, long previousVersion)
    {
        Interlocked.Increment(ref _reads);
        var ok = true;
        if (version < previousVersion)
        {
            Interlocked.Increment(ref _backward);
            ok = false;
        }

        var acks = _acknowledged[key];
        long missedAt;
        lock (acks)
        {
            // The first acknowledged version above the one read: acknowledgements are in version order.
            int low = 0, high = acks.Count;
            while (low < high)
            {
                var middle = (low + high) / 2;
                if (acks[middle].Version > version)
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }

            missedAt = low < acks.Count ? acks[low].At : long.MaxValue;
        }

        if (missedAt < startedAt - _maxStalenessTicks)
        {
            Interlocked.Increment(ref _stale);
            var lag = startedAt - missedAt;
            var worst = Interlocked.Read(ref _worstLagTicks);
            while (lag > worst && Interlocked.CompareExchange(ref _worstLagTicks, lag, worst) is var seen && seen != worst)
            {
                worst = seen;
            }

            ok = false;
        }

        return ok;
    }
}
