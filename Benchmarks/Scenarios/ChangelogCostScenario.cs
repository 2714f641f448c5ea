using System.Globalization;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// What the changelog costs ingest: the ingest scenario's silo run (uniform keys, <c>incr</c> records) on clusters
/// with the changelog on (the default) and with <c>Changelog:Enabled=false</c>, interleaved — on, off, on, off — each
/// on a fresh, warmed-up cluster, so a drift of the machine falls on both sides. Reports the mean of each side.
/// </summary>
public sealed class ChangelogCostScenario(BenchmarkContext context)
{
    private const int Rounds = 2;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var distribution = KeyDistribution.Uniform(context.Options.IngestKeys, seed: 1);
        var on = new List<(double PerSecond, double Cpu, bool ExactlyOnce)>();
        var off = new List<(double PerSecond, double Cpu, bool ExactlyOnce)>();
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var enabled in new[] { true, false })
            {
                var side = enabled ? "on" : "off";
                if (enabled)
                {
                    context.ClusterSettings.Remove("Changelog:Enabled");
                }
                else
                {
                    context.ClusterSettings["Changelog:Enabled"] = "false";
                }

                await context.RestartClusterAsync($"changelog-{side}-{round}");
                var result = await context.Progress.PhaseAsync(
                    $"Ingest with the changelog {side} (round {round} of {Rounds})",
                    () => new IngestScenario(context, distribution, tunedTarget: 0).RunSilosAsync(cancellationToken),
                    r => r.Summary);
                (enabled ? on : off).Add((result.PerSecond, result.SiloCpuMsPerThousand, result.ExactlyOnce));
            }
        }

        context.ClusterSettings.Remove("Changelog:Enabled");
        var label = $"Changelog cost (uniform, {distribution.Keys:N0} keys)";
        var onRate = on.Average(r => r.PerSecond);
        var offRate = off.Average(r => r.PerSecond);
        var exact = on.Concat(off).All(r => r.ExactlyOnce);
        context.Rows.Add(new ResultRow(
            label,
            "records/s, produce → durable in Redis, changelog on vs off",
            onRate,
            offRate,
            "reported (each change is also a Kafka record)",
            exact,
            string.Create(CultureInfo.InvariantCulture,
                $"{context.Options.IngestRecords:N0} incr records per run, {Rounds} runs per side interleaved on fresh clusters: on {Rates(on)}, off {Rates(off)} records/s. Silo CPU per 1,000 records: on {on.Average(r => r.Cpu):0} ms, off {off.Average(r => r.Cpu):0} ms.{(exact ? "" : " A run lost or duplicated records.")}")));
    }

    private static string Rates(List<(double PerSecond, double Cpu, bool ExactlyOnce)> runs) =>
        string.Join(" / ", runs.Select(r => r.PerSecond.ToString("N0", CultureInfo.InvariantCulture)));
}
