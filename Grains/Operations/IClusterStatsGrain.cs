namespace OrleansHotData.Grains.Operations;

/// <summary>
/// Gathers the silos' reports for the operations page: one activation in the cluster (key
/// <see cref="ClusterStatsGrain.Key"/>), in memory only; a silo that stops reporting drops out of it.
/// </summary>
public interface IClusterStatsGrain : IGrainWithStringKey
{
    Task ReportAsync(SiloStats stats);

    Task RemoveAsync(string silo);

    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<SiloStats>> GetAsync();
}
