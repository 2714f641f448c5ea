using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Silo.Health;

/// <summary>
/// Ready when every Kafka partition this silo has been given has a running consumer. A silo may be given none (more
/// silos than partitions); the broker being unreachable does not make it unready, since the API still works.
/// A stalled partition (records waiting and no progress for longer than <c>Kafka:StallTimeout</c>) makes it
/// <see cref="HealthStatus.Degraded"/>, which still answers 200: the silo serves its API and routing traffic away
/// would not move the partition on; the description names each stalled partition, offset and key for an operator.
/// </summary>
public sealed class KafkaReceiversHealthCheck(KafkaStreamDiagnostics diagnostics) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var partitions = diagnostics.GetActivePartitions();
        var stopped = partitions.Where(p => !p.IsConsuming).Select(p => $"{p.Topic}[{p.Partition}]").ToList();
        var stalled = partitions.Where(p => p.IsStalled).Select(Describe).ToList();
        var data = new Dictionary<string, object> { ["partitions"] = partitions.Count, ["notConsuming"] = stopped.Count, ["stalled"] = stalled.Count };
        if (stopped.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"No consumer for {string.Join(", ", stopped)}.", data: data));
        }

        return Task.FromResult(stalled.Count == 0
            ? HealthCheckResult.Healthy($"{partitions.Count} partition receivers running.", data)
            : HealthCheckResult.Degraded($"Stalled: {string.Join("; ", stalled)}.", data: data));
    }

    private static string Describe(KafkaPartitionStatus status) =>
        $"{status.Topic}[{status.Partition}]@{status.StalledOffset} key {(status.StalledKey is { } key ? $"'{key}'" : "unknown")} ({status.StalledDeliveryAttempts} delivery attempts), no progress since {status.StalledSince:O}";
}
