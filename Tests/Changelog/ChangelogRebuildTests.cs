using OrleansHotData.Silo.Operations;
using OrleansHotData.Tests.Infrastructure;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Changelog;

/// <summary>Redis lost and rebuilt from the changelog: every key's value, version and time to live come back, and later writes continue the versions.</summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class ChangelogRebuildTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private InProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ChangelogTestCluster.StartAsync("rebuild", 4);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task After_a_flushall_the_rebuild_restores_every_key_and_later_writes_continue_its_versions()
    {
        var keys = Enumerable.Range(0, 40).Select(i => $"key-{i}").ToList();
        var model = new Dictionary<string, HotDataValue?>(StringComparer.Ordinal);
        var applied = new Dictionary<string, Dictionary<long, string?>>(StringComparer.Ordinal);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var silo = await _cluster.StartSiloAsync())
        {
            foreach (var key in keys.Where((_, i) => i % 2 == 0))
            {
                await _cluster.ProduceAsync(_cluster.Topic, key, $$"""{"from":"kafka","k":"{{key}}"}""");
            }

            foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            {
                var grain = silo.Grains.GetGrain<IHotDataGrain>(key);
                await Eventually.TrueAsync(async () => i % 2 == 1 || (await grain.GetAsync()) is not null, Deadline, $"{key}'s Kafka record to be applied");
                await grain.ApplyAsync(HotDataChange.Increment("""{"n":2}""", ttl: i % 3 == 0 ? TimeSpan.FromDays(3) : null));
                var last = await grain.ApplyAsync(HotDataChange.Increment("""{"n":1}"""));
                if (i % 5 == 0)
                {
                    last = await grain.ApplyAsync(HotDataChange.Delete());
                }

                Assert.Equal(WriteStatus.Applied, last.Status);
                model[key] = await grain.GetAsync();
                versions[key] = last.Version;
                applied[key] = new Dictionary<long, string?> { [last.Version] = last.Value?.Json };
            }

            await _cluster.AuditAsync(applied, Deadline);
        }

        using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.Redis.ConnectionString + ",allowAdmin=true");
        await redis.GetServers()[0].FlushAllDatabasesAsync();

        var args = RebuildArguments();
        using var output = new StringWriter();
        Assert.Equal(0, await ChangelogRebuild.RunAsync(args, output));
        Assert.Contains($"Rebuilt {keys.Count} keys", output.ToString(), StringComparison.Ordinal);

        using var refused = new StringWriter();
        Assert.Equal(2, await ChangelogRebuild.RunAsync(args, refused));
        Assert.Contains("refused", refused.ToString(), StringComparison.Ordinal);

        await using (var silo = await _cluster.StartSiloAsync())
        {
            foreach (var key in keys)
            {
                var grain = silo.Grains.GetGrain<IHotDataGrain>(key);
                var restored = await grain.GetAsync();
                Assert.Equal(model[key]?.Json, restored?.Json);
                Assert.Equal(model[key]?.Version, restored?.Version);
                Assert.Equal(model[key]?.ExpiresAt, restored?.ExpiresAt);
                var next = await grain.ApplyAsync(HotDataChange.Increment("""{"n":1}"""));
                Assert.Equal(versions[key] + 1, next.Version);
            }
        }
    }

    private string[] RebuildArguments() =>
    [
        ChangelogRebuild.Argument,
        $"--ConnectionStrings:Redis={_cluster.Redis.ConnectionString}",
        $"--Orleans:ServiceId={_cluster.ClusterId}",
        .. _cluster.SiloSettings.Select(p => $"--{p.Key}={p.Value}"),
    ];
}
