using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansHotData.Silo.Health;

/// <summary>Ready when this silo has started and the cluster's membership counts it as active.</summary>
public sealed class ClusterHealthCheck(SiloLifecycleReadiness lifecycle, ISiloStatusOracle membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentStatus;
        var data = new Dictionary<string, object> { ["silo"] = membership.SiloAddress.ToString(), ["membership"] = status.ToString() };
        if (!lifecycle.IsActive)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The silo has not finished starting, or is stopping.", data: data));
        }

        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("The silo is active in the cluster.", data)
            : HealthCheckResult.Unhealthy($"The cluster's membership has the silo as {status}.", data: data));
    }
}
