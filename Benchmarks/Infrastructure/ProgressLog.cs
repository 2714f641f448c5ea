using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Infrastructure;

/// <summary>One line per finished phase on standard error: the run's elapsed time, the phase's own time, what it found.</summary>
public sealed class ProgressLog
{
    private readonly Stopwatch _run = Stopwatch.StartNew();

    public TimeSpan Elapsed => _run.Elapsed;

    /// <summary>Runs <paramref name="phase"/> and prints its line with the summary it returns.</summary>
    public async Task<T> PhaseAsync<T>(string name, Func<Task<T>> phase, Func<T, string> summary)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await phase();
            Write(name, Stopwatch.GetElapsedTime(started), summary(result));
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Write(name, Stopwatch.GetElapsedTime(started), "FAILED: " + ex.Message);
            throw;
        }
    }

    public Task PhaseAsync(string name, Func<Task<string>> phase) => PhaseAsync(name, phase, s => s);

    public void Note(string text) => Console.Error.WriteLine(FormattableString.Invariant($"[{_run.Elapsed.TotalSeconds,7:0.0} s] {text}"));

    private void Write(string name, TimeSpan took, string summary) =>
        Console.Error.WriteLine(FormattableString.Invariant($"[{_run.Elapsed.TotalSeconds,7:0.0} s] {name} ({took.TotalSeconds:0.0} s): {summary}"));
}
