using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>
/// When readers first saw each change of a set of keys. Changes are numbered from 0 and go to the keys in turn
/// (change <c>s</c> to key <c>s % keys</c>), each value carrying its number and its send time; readers report what
/// they read, and the first reader to see a change records how long it took. A change overwritten by a newer one of
/// its key before any reader saw it is never seen; it still counts in the latencies, as seen when its successor was
/// (an upper bound), when its send time was noted with <see cref="Sent"/>, so slow changes are not left out.
/// Thread-safe.
/// </summary>
public sealed class ChangeSightings
{
    private readonly int _keys;
    private readonly long[] _newest;
    private readonly long[] _sentAt;
    private readonly List<long> _ticks = [];
    private readonly Lock _gate = new();
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
    }

    /// <summary>Changes seen so far (each once).</summary>
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>Changes overwritten by a newer one of their key before a reader saw them.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>The newest change seen of key <paramref name="key"/>, or -1.</summary>
    public long Newest(int key) => Volatile.Read(ref _newest[key]);

    /// <summary>Change <paramref name="change"/> was sent at stopwatch timestamp <paramref name="at"/>.</summary>
    public void Sent(long change, long at) => Volatile.Write(ref _sentAt[change], at);

    /// <summary>
    /// A reader read change <paramref name="change"/> (sent at stopwatch timestamp <paramref name="sentAt"/>) of its
    /// key at <paramref name="readAt"/>; returns whether it is the first sighting. Values older than the newest seen
    /// of the key, and values from before the measurement (negative numbers), are ignored.
    /// </summary>
    public bool Observe(long change, long sentAt, long readAt)
    {
        if (change < 0)
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
                lock (_gate)
                {
                    _ticks.Add(readAt - sentAt);
                    // The changes of a key are key, key + keys, key + 2 × keys, …: those between were never seen.
                    for (var skipped = newest < 0 ? key : newest + _keys; skipped < change; skipped += _keys)
                    {
                        Interlocked.Increment(ref _skipped);
                        if (skipped < _sentAt.Length && Volatile.Read(ref _sentAt[skipped]) is var at and > 0)
                        {
                            _ticks.Add(readAt - at);
                        }
                    }
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
    /// The latencies of the first sightings, and of the changes overwritten unseen (as of their successor's sighting),
    /// sorted, in milliseconds.
    /// </summary>
    public double[] LatenciesMs()
    {
        double[] all;
        lock (_gate)
        {
            all = [.. _ticks.Select(t => t * 1000.0 / Stopwatch.Frequency)];
        }

        Array.Sort(all);
        return all;
    }
}
