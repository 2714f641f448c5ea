using System.Diagnostics;
using System.Text.Json;
using OrleansHotData.Client;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>
/// Finds when every key of a workload shows its expected effect through the SDK's batch reads. A grain answers
/// reads only between changes, and a change is in memory only once Redis has it, so a visible effect is durable.
/// The reads ask the grains (<c>fresh: true</c>), so the poll subscribes nothing to the grains' change pushes.
/// It first polls a few probe keys (those expected to finish last), then the keys not yet seen complete.
/// </summary>
public sealed class CompletionPoller(IHotDataClient client)
{
    private const int ChunkSize = 500;
    private const int ConcurrentChunks = 4;

    /// <summary>What the poll found.</summary>
    /// <param name="CompletedAt">The stopwatch timestamp at which the last key was seen complete (or the deadline).</param>
    /// <param name="Incomplete">Keys not complete by the deadline.</param>
    public sealed record Outcome(long CompletedAt, IReadOnlyList<string> Incomplete);

    public async Task<Outcome> WaitAsync(
        IReadOnlyCollection<string> probes,
        IReadOnlyCollection<string> keys,
        Func<string, JsonElement, bool> isComplete,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var remainingProbes = new HashSet<string>(probes, StringComparer.Ordinal);
        while (remainingProbes.Count > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            var done = await PollAsync(remainingProbes, isComplete, cancellationToken);
            remainingProbes.ExceptWith(done);
            if (remainingProbes.Count > 0)
            {
                await Task.Delay(10, cancellationToken);
            }
        }

        var remaining = new HashSet<string>(keys, StringComparer.Ordinal);
        var completedAt = Stopwatch.GetTimestamp();
        while (remaining.Count > 0)
        {
            var done = await PollAsync(remaining, isComplete, cancellationToken);
            completedAt = Stopwatch.GetTimestamp();
            remaining.ExceptWith(done);
            if (remaining.Count == 0 || completedAt > deadline)
            {
                break;
            }

            await Task.Delay(10, cancellationToken);
        }

        return new Outcome(completedAt, [.. remaining]);
    }

    /// <summary>Reads <paramref name="keys"/> through the SDK; returns those that are complete.</summary>
    private async Task<List<string>> PollAsync(IReadOnlyCollection<string> keys, Func<string, JsonElement, bool> isComplete, CancellationToken cancellationToken)
    {
        var done = new List<string>();
        var gate = new Lock();
        await Parallel.ForEachAsync(
            keys.Chunk(ChunkSize),
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentChunks, CancellationToken = cancellationToken },
            async (chunk, token) =>
            {
                // Fresh: from the grains. A near-cache read would subscribe every key, and the grains would then push each
                // change to this process while the ingest is measured.
                var values = await client.GetManyAsync<JsonElement>(chunk, fresh: true, token);
                var complete = values.Where(kv => isComplete(kv.Key, kv.Value.Value)).Select(kv => kv.Key).ToList();
                lock (gate)
                {
                    done.AddRange(complete);
                }
            });
        return done;
    }
}
