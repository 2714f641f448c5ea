using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>
/// When readers first saw each change of a set of keys. Changes are numbered from 0 and go to the keys in turn
/// (change <c>s</c> to key <c>s % keys</c>), each value carrying its number and its send time; readers report what
/// they read, and the first reader to see a change records how long it took. A change overwritten before any reader
/// saw it is counted as never seen. Thread-safe.
/// </summary>
public sealed class ChangeSightings
{
    private readonly int _keys;
    private readonly long[] _newest;
    private readonly List<long> _ticks = [];
    private readonly Lock _gate = new();
    private long _skipped;

    /// <param name="keys">How many keys the changes go to in turn.</param>
    public ChangeSightings(int keys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        _keys = keys;
        _newest = new long[keys];
        Array.Fill(_newest, -1);
    }

    /// <summary>Changes seen so far (each once).</summary>
    public long Seen
    {
        get
        {
            lock (_gate)
            {
                return _ticks.Count;
            }
        }
    }

    /// <summary>Changes overwritten by a newer one of their key before a reader saw them.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>The newest change seen of key <paramref name="key"/>, or -1.</summary>
    public long Newest(int key) => Volatile.Read(ref _newest[key]);

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
                // The changes of a key are key, key + keys, key + 2 × keys, …: those between are ones nobody saw.
                var skipped = change / _keys - (newest < 0 ? -1 : newest / _keys) - 1;
                Interlocked.Add(ref _skipped, skipped);
                lock (_gate)
                {
                    _ticks.Add(readAt - sentAt);
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

    /// <summary>The latencies of the first sightings, sorted, in milliseconds.</summary>
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
