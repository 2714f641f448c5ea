using System.Diagnostics;
using System.Globalization;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Checks the reads of near-cached readers against the writes acknowledged to the writers, all timed on one clock
/// (<see cref="Stopwatch.GetTimestamp"/> of the test process):
/// <list type="bullet">
/// <item>a read started at t that returned version v is stale when a version above v was acknowledged before
///   t − MaxStaleness; its staleness is t minus the first acknowledgment of a version above v;</item>
/// <item>a read regresses when it returned a lower version than an earlier read of the same key by the same reader.</item>
/// </list>
/// </summary>
public sealed class NearCacheAudit
{
    private const int MaxExamples = 5;

    private NearCacheAudit()
    {
    }

    /// <summary>Reads checked.</summary>
    public long Reads { get; private set; }

    /// <summary>Reads older than the bound.</summary>
    public long StaleReads { get; private set; }

    /// <summary>The largest staleness of any read (zero when every read returned the newest acknowledged version or one newer).</summary>
    public TimeSpan WorstStaleness { get; private set; }

    /// <summary>Reads that returned a lower version than the same reader's previous read of the key.</summary>
    public long Regressions { get; private set; }

    /// <summary>A few stale reads and regressions, described for the test output.</summary>
    public IReadOnlyList<string> Examples { get; private set; } = [];

    /// <summary>Checks every reader's reads (each in the order it made them) against the acknowledged writes.</summary>
    /// <param name="readers">Each reader's reads in the order it made them.</param>
    /// <param name="writes">Every acknowledged write, in any order.</param>
    /// <param name="keys">The names of the keys, by index, for the examples.</param>
    /// <param name="maxStaleness">The bound.</param>
    /// <param name="origin">The clock reading that examples' times are given from.</param>
    public static NearCacheAudit Check(IReadOnlyList<IReadOnlyList<NearCacheRead>> readers, IEnumerable<AcknowledgedWrite> writes, IReadOnlyList<string> keys, TimeSpan maxStaleness, long origin)
    {
        ArgumentNullException.ThrowIfNull(readers);
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentNullException.ThrowIfNull(keys);
        var bound = (long)(maxStaleness.TotalSeconds * Stopwatch.Frequency);
        var newer = writes.GroupBy(w => w.Key).ToDictionary(g => g.Key, g => FirstAcknowledgedAbove.Of(g));
        var audit = new NearCacheAudit();
        var examples = new List<string>();
        var worst = 0L;
        for (var reader = 0; reader < readers.Count; reader++)
        {
            var last = new Dictionary<int, long>();
            foreach (var read in readers[reader])
            {
                audit.Reads++;
                if (newer.TryGetValue(read.Key, out var acknowledged) && acknowledged.Above(read.Version) is { } first && first < read.StartedAt)
                {
                    var staleness = read.StartedAt - first;
                    worst = Math.Max(worst, staleness);
                    if (staleness > bound)
                    {
                        audit.StaleReads++;
                        Describe($"reader {reader} read {keys[read.Key]} at {Seconds(read.StartedAt - origin)} s: version {read.Version}, {Seconds(staleness)} s after a newer version was acknowledged");
                    }
                }

                if (last.TryGetValue(read.Key, out var previous) && read.Version < previous)
                {
                    audit.Regressions++;
                    Describe($"reader {reader} read {keys[read.Key]} at {Seconds(read.StartedAt - origin)} s: version {read.Version} after version {previous}");
                }

                last[read.Key] = Math.Max(previous, read.Version);
            }
        }

        audit.WorstStaleness = TimeSpan.FromSeconds(worst / (double)Stopwatch.Frequency);
        audit.Examples = examples;
        return audit;

        void Describe(string text)
        {
            if (examples.Count < MaxExamples)
            {
                examples.Add(text);
            }
        }
    }

    private static string Seconds(long ticks) => (ticks / (double)Stopwatch.Frequency).ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>For one key: the earliest acknowledgment of any version above a given one.</summary>
    private sealed class FirstAcknowledgedAbove
    {
        private readonly long[] _versions;
        // _earliest[i]: the earliest acknowledgment among _versions[i..].
        private readonly long[] _earliest;

        private FirstAcknowledgedAbove(long[] versions, long[] earliest)
        {
            _versions = versions;
            _earliest = earliest;
        }

        public static FirstAcknowledgedAbove Of(IEnumerable<AcknowledgedWrite> writes)
        {
            var sorted = writes.OrderBy(w => w.Version).ToArray();
            var earliest = new long[sorted.Length];
            for (var i = sorted.Length - 1; i >= 0; i--)
            {
                earliest[i] = i == sorted.Length - 1 ? sorted[i].AcknowledgedAt : Math.Min(sorted[i].AcknowledgedAt, earliest[i + 1]);
            }

            return new FirstAcknowledgedAbove([.. sorted.Select(w => w.Version)], earliest);
        }

        public long? Above(long version)
        {
            // The first index whose version is above `version`.
            var index = Array.BinarySearch(_versions, version + 1);
            if (index < 0)
            {
                index = ~index;
            }
            else
            {
                // Equal versions (none are expected) sort together: start at the first of them.
                while (index > 0 && _versions[index - 1] == version + 1)
                {
                    index--;
                }
            }

            return index < _versions.Length ? _earliest[index] : null;
        }
    }
}
