using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>
/// When readers first saw each change of a set of keys. Changes are numbered from 0 and go to the keys in turn
/// (change <c>s</c> to key <c>s % keys</c>), each value carrying its number and its send time; readers report what
/// they read, and the first sighting of a change is when it was seen. A change overwritten by a newer one of its key
/// before any reader saw it is never seen; it still counts in the latencies, as seen when its successor was (an upper
/// bound), so slow changes are not left out. Thread-safe; times are stopwatch timestamps.
/// </summary>
public sealed class ChangeSightings
{
    private readonly int _keys;
    private readonly long[] _newest;
    private readonly long[] _sentAt;
    private readonly long[] _acknowledgedAt;
    private readonly long[] _seenAt;
    private long _seen;
    private long _skipped;

    /// <param name="keys">How many keys the changes go to in turn.</param>
    /// <param name="changes">How many changes will be sent.</param>
    public ChangeSightings(int keys, long changes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(changes);
        _keys = keys;
        _newest = new long[keys];
        Array.Fill(_newest, -1);
        _sentAt = new long[changes];
        _acknowledgedAt = new long[changes];
        _seenAt = new long[changes];
    }

    /// <summary>Changes seen so far (each once).</summary>
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>Changes overwritten by a newer one of their key before a reader saw them.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>The newest change seen of key <paramref name="key"/>, or -1.</summary>
    public long Newest(int key) => Volatile.Read(ref _newest[key]);

    /// <summary>Change <paramref name="change"/> was sent at <paramref name="at"/>.</summary>
    public void Sent(long change, long at) => Volatile.Write(ref _sentAt[change], at);

    /// <summary>The write of change <paramref name="change"/> was acknowledged to its writer at <paramref name="at"/>, where writes are.</summary>
    public void Acknowledged(long change, long at) => Volatile.Write(ref _acknowledgedAt[change], at);

    /// <summary>
    /// A reader read change <paramref name="change"/> (sent at <paramref name="sentAt"/>) of its key at
    /// <paramref name="readAt"/>; returns whether it is the first sighting. Values older than the newest seen of the
    /// key, and values from before the measurement (negative numbers), are ignored.
    /// </summary>
    public bool Observe(long change, long sentAt, long readAt)
    {
        if (change < 0 || change >= _sentAt.Length)
        {
            return false;
        }

        var key = (int)(change % _keys);
        var newest = Volatile.Read(ref _newest[key]);
        while (change > newest)
        {
            var previous = Interlocked.CompareExchange(ref _newest[key], change, newest);
            if (previous == newest)
            {
                Interlocked.Increment(ref _seen);
                Interlocked.CompareExchange(ref _sentAt[change], sentAt, 0);
                Volatile.Write(ref _seenAt[change], readAt);
                // The changes of a key are key, key + keys, key + 2 × keys, …: those between were never seen.
                for (var skipped = newest < 0 ? key : newest + _keys; skipped < change; skipped += _keys)
                {
                    Interlocked.Increment(ref _skipped);
                    Volatile.Write(ref _seenAt[skipped], readAt);
                }

                return true;
            }

            newest = previous;
        }

        return false;
    }

    /// <summary>Whether every key shows its last change of the <paramref name="total"/> sent.</summary>
    public bool AllSeen(long total)
    {
        for (var key = 0; key < _keys && key < total; key++)
        {
            var last = key + (total - 1 - key) / _keys * _keys;
            if (Newest(key) < last)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Send → seen of the changes seen, and of those overwritten unseen (as of their successor's sighting), where the
    /// send time is known; sorted, in milliseconds.
    /// </summary>
    public double[] LatenciesMs() => Between(_sentAt);

    /// <summary>
    /// Acknowledged → seen, as <see cref="LatenciesMs"/>, for the changes whose acknowledgement was noted; zero for a
    /// change seen before its writer heard back. What the reader waited on besides the write itself.
    /// </summary>
    public double[] AcknowledgedLatenciesMs() => Between(_acknowledgedAt);

    private double[] Between(long[] from)
    {
        var all = new List<double>();
        for (var change = 0; change < _seenAt.Length; change++)
        {
            var seenAt = Volatile.Read(ref _seenAt[change]);
            var at = Volatile.Read(ref from[change]);
            if (seenAt != 0 && at != 0)
            {
                all.Add(Math.Max(0, seenAt - at) * 1000.0 / Stopwatch.Frequency);
            }
        }

        all.Sort();
        return [.. all];
    }
}
