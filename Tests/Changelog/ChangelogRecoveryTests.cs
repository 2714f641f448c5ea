using OrleansHotData.Grains;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Grains.Storage;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Changelog;

/// <summary>
/// What a silo that crashed between its Redis write and Kafka's acknowledgement leaves behind — states holding an
/// outbox, listed as such — reaches the changelog when a silo starts, though no one reads or writes those keys again.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class ChangelogRecoveryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_outbox_a_crashed_silo_left_is_published_when_a_silo_starts_though_nothing_touches_its_key()
    {
        await using var cluster = await ChangelogTestCluster.StartAsync("recovery", 4);
        var keys = Enumerable.Range(0, 20).Select(i => $"orphan-{i}").ToList();
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.ConnectionString))
        {
            var prefix = $"{cluster.ClusterId}/state/";
            var database = redis.GetDatabase();
            foreach (var key in keys)
            {
                // Version 1 reached Kafka before the crash; 2 and 3 were durable in Redis and never acknowledged.
                var state = new HotDataState
                {
                    Json = """{"n":3}""",
                    Version = 3,
                    UpdatedAt = at,
                    LastSource = HotDataChangeSource.Api,
                    Outbox =
                    [
                        new ChangelogEntry(2, """{"n":2}""", HotDataChangeSource.Api, at, null, null),
                        new ChangelogEntry(3, """{"n":3}""", HotDataChangeSource.Api, at, null, null),
                    ],
                };
                await database.StringSetAsync($"{prefix}{HotDataConstants.GrainType}/{key}/{HotDataConstants.StateName}", HotDataStateFormat.Encode(4, state));
                await database.SetAddAsync(HotDataGrainStorage.OutboxSetKey(prefix), key);
            }
        }

        await using var silo = await cluster.StartSiloAsync();
        var model = keys.ToDictionary(k => k, _ => new Dictionary<long, string?> { [2] = """{"n":2}""", [3] = """{"n":3}""" }, StringComparer.Ordinal);
        var audit = await cluster.AuditAsync(model, Deadline);

        foreach (var key in keys)
        {
            var records = audit.Records[key];
            Assert.Equal([2L, 3L], records.Select(r => r.Version).Distinct().Order());
            Assert.Equal("""{"n":3}""", records.Last(r => r.Version == 3).Json);
            Assert.Equal("""{"n":2}""", records.First(r => r.Version == 2).Json);
        }

        // The recovered keys go on from their stored version.
        var next = await silo.Grains.GetGrain<IHotDataGrain>(keys[0]).ApplyAsync(HotDataChange.Increment("""{"n":1}"""));
        Assert.Equal(4, next.Version);
        Assert.Equal("""{"n":4}""", next.Value?.Json);
    }
}
