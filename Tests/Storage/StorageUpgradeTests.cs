using OrleansHotData.Grains;
using OrleansHotData.Tests.Infrastructure;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Storage;

[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class StorageUpgradeTests(RedisStorageFixture fixture) : IClassFixture<RedisStorageFixture>
{
    [Fact]
    public async Task A_silo_serves_a_key_that_orleans_redis_storage_stored_and_stores_it_in_the_new_format_on_its_next_write()
    {
        var clusterId = "upgrade-" + Guid.NewGuid().ToString("N")[..8];
        var key = "customer-" + Guid.NewGuid().ToString("N")[..8];
        var before = new HotDataState
        {
            Json = """{"name":"before the upgrade","n":1}""",
            Version = 41,
            UpdatedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
            SourceOffsets = new Dictionary<string, long> { ["hotdata.events/0"] = 17 },
            LastSource = HotDataChangeSource.Kafka,
        };
        // The grain's state as the silo stored it before this storage: Orleans' Redis storage, state name "state".
        var orleans = await fixture.StartOrleansRedisStorageAsync(clusterId);
        try
        {
            await orleans.WriteStateAsync("state", GrainId.Create("hotdata", key), new GrainState<HotDataState>(before));
        }
        finally
        {
            await orleans.DisposeAsync();
        }

        await using var silo = await TestSilo.StartAsync(fixture.Redis.ConnectionString, clusterId);
        var grain = silo.Grains.GetGrain<IHotDataGrain>(key);

        var value = await grain.GetAsync();
        Assert.NotNull(value);
        Assert.Equal(before.Json, value.Json);
        Assert.Equal(41, value.Version);

        var written = await grain.ApplyAsync(HotDataChange.Increment("""{"n":1}"""));
        Assert.Equal(WriteStatus.Applied, written.Status);
        Assert.Equal(42, written.Version);
        var redisKey = $"{clusterId}/state/hotdata/{key}/state";
        var database = fixture.Connection.GetDatabase();
        Assert.Equal(RedisType.String, await database.KeyTypeAsync(redisKey));
        var stored = Grains.Storage.HotDataStateFormat.Decode((byte[])(await database.StringGetAsync(redisKey))!).State;
        Assert.Equal(42, stored!.Version);
        Assert.Equal(17, stored.SourceOffsets!["hotdata.events/0"]);
        Assert.Contains("\"n\":2", stored.Json, StringComparison.Ordinal);
    }
}
