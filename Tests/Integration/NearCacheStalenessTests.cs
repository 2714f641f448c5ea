using System.Text.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

/// <summary>
/// A silo whose heartbeats come less often than a client's MaxStaleness cannot keep that client's entries confirmed:
/// the client reads them from their grains again rather than serve them older than the bound.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class NearCacheStalenessTests
{
    [Fact]
    public async Task An_entry_not_confirmed_within_MaxStaleness_is_read_from_its_grain_again()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("nc-stale", Silos: 1)
        {
            Kafka = false,
            ClientHost = false,
            Settings = new Dictionary<string, string?> { ["HotData:CacheHeartbeatInterval"] = "00:00:10" },
        });
        await using var host = await ClientHost.StartAsync(cluster.Redis.ConnectionString, cluster.ClusterId, o => o.NearCache.MaxStaleness = TimeSpan.FromMilliseconds(300));
        var client = host.Client;
        var key = InProcessClusterFixture.NewKey("stale");
        await client.SetAsync(key, new { n = 1 });
        await client.GetAsync<JsonElement>(key);

        await Task.Delay(TimeSpan.FromSeconds(1));
        var before = client.NearCacheStatistics;
        var read = await client.GetAsync<JsonElement>(key);

        var after = client.NearCacheStatistics;
        Assert.Equal(1, read!.Version);
        Assert.Equal(before.Revalidations + 1, after.Revalidations);
        Assert.Equal(before.Hits, after.Hits);
    }
}
