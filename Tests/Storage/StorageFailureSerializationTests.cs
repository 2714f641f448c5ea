using Orleans.Persistence.Redis;
using OrleansHotData.Grains;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Storage;

/// <summary>
/// A storage failure travels from the grain to its caller — often on another silo, or in a client — through Orleans'
/// serializer. It must arrive as a storage failure, which the API answers with 503, not as a serializer error (500).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class StorageFailureSerializationTests(RedisStorageFixture fixture) : IClassFixture<RedisStorageFixture>
{
    [Fact]
    public async Task A_write_and_a_read_failing_because_redis_is_gone_cross_silos_as_storage_failures()
    {
        // A server of this test's own: it is killed.
        await using var redis = await RedisServer.StartAsync();
        await using var storage = await fixture.StartHotDataStorageAsync(redis);
        var id = RedisStorageFixture.NewGrainId();
        var state = new GrainState<HotDataState> { State = HotDataStateFormatTests.Sample };
        await storage.WriteStateAsync(RedisStorageFixture.GrainType, id, state);

        redis.Kill();
        var writeFailure = await Assert.ThrowsAsync<RedisStorageException>(() => storage.WriteStateAsync(RedisStorageFixture.GrainType, id, state));
        var readFailure = await Assert.ThrowsAsync<RedisStorageException>(() => storage.ReadStateAsync(RedisStorageFixture.GrainType, id, new GrainState<HotDataState>()));

        foreach (var failure in new Exception[] { writeFailure, readFailure })
        {
            var arrived = fixture.Serializer.Deserialize<Exception>(fixture.Serializer.SerializeToArray<Exception>(failure));
            Assert.IsType<RedisStorageException>(arrived);
            Assert.True(InfrastructureFailure.Is(arrived));
            Assert.Contains(RedisStorageFixture.KeyOf(id).ToString(), arrived.Message, StringComparison.Ordinal);
            Assert.Contains("Redis", arrived.Message, StringComparison.Ordinal);
        }
    }
}
