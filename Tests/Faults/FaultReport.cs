using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>Prints what a fault test covered, what it lost and how long its phases took.</summary>
public sealed class FaultReport(ITestOutputHelper output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last;

    /// <summary>Prints a timing line for the phase that just ended.</summary>
    public void Phase(string name)
    {
        var now = _clock.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{now.TotalSeconds,6:0.0} s] {name} ({(now - _last).TotalSeconds:0.0} s)"));
        _last = now;
    }

    public void Line(string text) => output.WriteLine(text);

    /// <summary>Prints the workload's counts, its unknown API writes and the mismatches (at most 20 of them).</summary>
    public void Outcome(MixedWorkload workload, IReadOnlyList<string> mismatches)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(mismatches);
        output.WriteLine($"seed: {workload.Seed} (replay with MixedWorkloadOptions.Seed = {workload.Seed})");
        output.WriteLine("covered: " + workload.Counts);
        output.WriteLine("unknown outcomes: " + WorkloadBindings.Summarize(workload.ApiFailures));
        output.WriteLine("refused: " + (workload.ApiRefusals is { Count: > 0 } refusals
            ? string.Join("; ", refusals.GroupBy(r => r.Kind).Select(g => $"{g.Count()}× {g.Key}"))
            : "none"));
        output.WriteLine(mismatches.Count == 0 ? "lost or doubled: nothing" : $"lost or doubled: {mismatches.Count} keys differ from the model");
        foreach (var mismatch in mismatches.Take(20))
        {
            output.WriteLine("  " + mismatch);
        }
    }
}
