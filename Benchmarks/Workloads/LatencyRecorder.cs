using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>Latencies of one caller (not thread-safe); merged with others' for percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<long> _ticks = new(capacity: 1 << 16);

    public int Count => _ticks.Count;

    public void Add(long stopwatchTicks) => _ticks.Add(stopwatchTicks);

    /// <summary>The merged latencies of <paramref name="recorders"/>, sorted, in milliseconds.</summary>
    public static double[] MergeMilliseconds(IEnumerable<LatencyRecorder> recorders)
    {
        var all = recorders.SelectMany(r => r._ticks).Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        Array.Sort(all);
        return all;
    }

    /// <summary>The <paramref name="percentile"/> (0–100) of sorted <paramref name="sorted"/>, nearest rank; NaN when empty.</summary>
    public static double Percentile(double[] sorted, double percentile)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
