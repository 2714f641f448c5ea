using OrleansHotData.Grains.Changelog;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Changelog;

/// <summary>
/// What each changelog test starts for itself: an <see cref="InProcessCluster"/> with a broker, a fresh topic and its
/// changelog topic, and a real Redis, but no silo — the test starts (and stops) its silos itself.
/// </summary>
internal static class ChangelogTestCluster
{
    public static Task<InProcessCluster> StartAsync(string prefix, int partitions) =>
        InProcessCluster.StartAsync(new InProcessClusterDescription(prefix, Silos: 0, partitions) { ClientHost = false });

    /// <summary>Reads the changelog until every key of <paramref name="model"/> reached its last version there.</summary>
    public static Task<ChangelogAudit> AuditAsync(this InProcessCluster cluster, IReadOnlyDictionary<string, Dictionary<long, string?>> model, TimeSpan deadline) =>
        Eventually.ReturnsAsync(
            () => Task.FromResult(ChangelogAudit.Read(cluster.KafkaConfigs.Consumer("audit"), cluster.Topic + ChangelogOptions.DefaultTopicSuffix)),
            audit => model.All(p => audit.LastVersion(p.Key) == p.Value.Keys.Max()),
            deadline,
            "every change to reach the changelog");
}
