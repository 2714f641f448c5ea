using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Silo.Health;

/// <summary>
/// Ready when every Kafka partition this silo has been given has a running consumer. A silo may be given none (more
/// silos than partitions); the broker being unreachable does not make it unready, since the API still works.
/// </summary>
public sealed class KafkaReceiversHealthCheck(KafkaStreamDiagnostics diagnostics) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var partitions = diagnostics.GetActivePartitions();
        var stopped = partitions.Where(p => !p.IsConsuming).Select(p => $"{p.Topic}[{p.Partition}]").ToList();
        var data = new Dictionary<string, object> { ["partitions"] = partitions.Count, ["notConsuming"] = stopped.Count };
        return Task.FromResult(stopped.Count == 0
            ? HealthCheckResult.Healthy($"{partitions.Count} partition receivers running.", data)
            : HealthCheckResult.Unhealthy($"No consumer for {string.Join(", ", stopped)}.", data: data));
    }
}
