namespace OrleansHotData.Grains.Operations;

/// <summary>Holds the latest report of every silo; reports older than <see cref="ReportLifetime"/> are forgotten.</summary>
public sealed class ClusterStatsGrain(TimeProvider time) : Grain, IClusterStatsGrain
{
    /// <summary>The key of the one activation.</summary>
    public const string Key = "cluster";

    /// <summary>How long a report stands for its silo without a newer one.</summary>
    public static readonly TimeSpan ReportLifetime = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, SiloStats> _reports = new(StringComparer.Ordinal);

    public Task ReportAsync(SiloStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        _reports[stats.Silo] = stats with { ReportedAt = time.GetUtcNow() };
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string silo)
    {
        _reports.Remove(silo);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloStats>> GetAsync()
    {
        var oldest = time.GetUtcNow() - ReportLifetime;
        IReadOnlyList<SiloStats> current = [.. _reports.Values.Where(r => r.ReportedAt >= oldest).OrderBy(r => r.Silo, StringComparer.Ordinal)];
        return Task.FromResult(current);
    }
}
