using Orleans.Storage;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Storage;

[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class HotDataGrainStorageTests(RedisStorageFixture fixture) : IClassFixture<RedisStorageFixture>
{
    private const string GrainType = RedisStorageFixture.GrainType;

    private static readonly HotDataState First = HotDataStateFormatTests.Sample;
    private static readonly HotDataState Second = First with { Json = """{"n":43}""", Version = 8, SourceOffsets = new Dictionary<string, long> { ["hotdata.events/3"] = 12346 } };

    [Fact]
    public async Task A_written_state_reads_back_whole()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var written = await ReadAsync(storage, id);
        Assert.False(written.RecordExists);

        written.State = First;
        await storage.WriteStateAsync(GrainType, id, written);
        written.State = Second;
        await storage.WriteStateAsync(GrainType, id, written);

        var read = await ReadAsync(storage, id);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        StateAssert.Same(Second, read.State);
        Assert.Equal(RedisType.String, await fixture.Connection.GetDatabase().KeyTypeAsync(RedisStorageFixture.KeyOf(id)));
    }

    [Fact]
    public async Task A_stale_writer_fails_and_the_newer_state_stays()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var stale = await ReadAsync(storage, id);
        var current = await ReadAsync(storage, id);

        current.State = First;
        await storage.WriteStateAsync(GrainType, id, current);
        stale.State = Second;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, id, stale));

        StateAssert.Same(First, (await ReadAsync(storage, id)).State);
    }

    [Fact]
    public async Task A_writer_of_another_storage_instance_with_an_old_etag_fails()
    {
        await using var silo1 = await fixture.StartHotDataStorageAsync();
        await using var silo2 = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var old = await ReadAsync(silo1, id);
        old.State = First;
        await silo1.WriteStateAsync(GrainType, id, old);
        var newer = await ReadAsync(silo2, id);
        newer.State = Second;
        await silo2.WriteStateAsync(GrainType, id, newer);

        old.State = First with { Version = 100 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => silo1.WriteStateAsync(GrainType, id, old));

        StateAssert.Same(Second, (await ReadAsync(silo1, id)).State);
    }

    [Fact]
    public async Task Clear_leaves_no_state_and_a_stale_etag_cannot_write_or_clear_after_it()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var writer = await ReadAsync(storage, id);
        writer.State = First;
        await storage.WriteStateAsync(GrainType, id, writer);
        var stale = await ReadAsync(storage, id);

        await storage.ClearStateAsync(GrainType, id, writer);
        Assert.False(writer.RecordExists);

        var read = await ReadAsync(storage, id);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State!.Version);
        Assert.Equal(writer.ETag, read.ETag);
        stale.State = Second;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, id, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(GrainType, id, stale));

        // Written again after the clear, the key does not repeat an ETag it had before.
        read.State = Second;
        await storage.WriteStateAsync(GrainType, id, read);
        Assert.NotEqual(stale.ETag, read.ETag);
        StateAssert.Same(Second, (await ReadAsync(storage, id)).State);
    }

    [Fact]
    public async Task A_state_written_by_orleans_redis_storage_is_read_and_rewritten_in_the_new_format()
    {
        var id = RedisStorageFixture.NewGrainId();
        var orleans = await fixture.StartOrleansRedisStorageAsync();
        try
        {
            var old = new GrainState<HotDataState>(First);
            await orleans.WriteStateAsync(GrainType, id, old);
        }
        finally
        {
            await orleans.DisposeAsync();
        }

        await using var storage = await fixture.StartHotDataStorageAsync();
        var database = fixture.Connection.GetDatabase();
        Assert.Equal(RedisType.Hash, await database.KeyTypeAsync(RedisStorageFixture.KeyOf(id)));
        var read = await ReadAsync(storage, id);
        Assert.True(read.RecordExists);
        StateAssert.Same(First, read.State);

        read.State = Second;
        await storage.WriteStateAsync(GrainType, id, read);

        Assert.Equal(RedisType.String, await database.KeyTypeAsync(RedisStorageFixture.KeyOf(id)));
        StateAssert.Same(Second, (await ReadAsync(storage, id)).State);
    }

    [Fact]
    public async Task A_stale_writer_cannot_overwrite_a_state_in_orleans_redis_storage_format()
    {
        var id = RedisStorageFixture.NewGrainId();
        await using var storage = await fixture.StartHotDataStorageAsync();
        var orleans = await fixture.StartOrleansRedisStorageAsync();
        try
        {
            await orleans.WriteStateAsync(GrainType, id, new GrainState<HotDataState>(First));
            var stale = await ReadAsync(storage, id);
            var current = new GrainState<HotDataState>();
            await orleans.ReadStateAsync(GrainType, id, current);
            current.State = Second;
            await orleans.WriteStateAsync(GrainType, id, current);

            stale.State = First with { Version = 100 };
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, id, stale));
            StateAssert.Same(Second, (await ReadAsync(storage, id)).State);
        }
        finally
        {
            await orleans.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_corrupt_record_fails_the_read_with_a_format_error_naming_the_key()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var damaged = HotDataStateFormat.Encode(1, First)[..20];
        await fixture.Connection.GetDatabase().StringSetAsync(RedisStorageFixture.KeyOf(id), damaged);

        var error = await Assert.ThrowsAsync<HotDataStateFormatException>(() => ReadAsync(storage, id));
        Assert.Contains(RedisStorageFixture.KeyOf(id).ToString(), error.Message, StringComparison.Ordinal);
        Assert.False(InfrastructureFailure.Is(error));
    }

    [Fact]
    public async Task A_record_of_an_unknown_format_fails_the_read_and_is_not_overwritten()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var newer = HotDataStateFormat.Encode(1, First);
        newer[0] = 9;
        var database = fixture.Connection.GetDatabase();
        await database.StringSetAsync(RedisStorageFixture.KeyOf(id), newer);

        var error = await Assert.ThrowsAsync<HotDataStateFormatException>(() => ReadAsync(storage, id));
        Assert.Contains("format 9", error.Message, StringComparison.Ordinal);
        var blind = new GrainState<HotDataState>(Second);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, id, blind));
        Assert.Equal(newer, (byte[])(await database.StringGetAsync(RedisStorageFixture.KeyOf(id)))!);
    }

    [Fact]
    public async Task Writes_go_on_after_redis_forgets_its_scripts()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var state = await ReadAsync(storage, id);
        state.State = First;
        await storage.WriteStateAsync(GrainType, id, state);

        await fixture.Connection.GetServer(fixture.Connection.GetEndPoints()[0]).ScriptFlushAsync();
        state.State = Second;
        await storage.WriteStateAsync(GrainType, id, state);

        StateAssert.Same(Second, (await ReadAsync(storage, id)).State);
    }

    [Fact]
    public async Task A_key_is_listed_with_an_outbox_exactly_while_its_stored_state_holds_one()
    {
        await using var storage = await fixture.StartHotDataStorageAsync();
        var id = RedisStorageFixture.NewGrainId();
        var other = RedisStorageFixture.NewGrainId();
        var state = await ReadAsync(storage, id);
        var otherState = await ReadAsync(storage, other);
        var change = new Grains.Changelog.ChangelogEntry(7, First.Json, HotDataChangeSource.Api, First.UpdatedAt, null, null);

        state.State = First with { Outbox = [change] };
        await storage.WriteStateAsync(GrainType, id, state);
        otherState.State = First;
        await storage.WriteStateAsync(GrainType, other, otherState);
        Assert.Contains(id.Key.ToString(), await ListedAsync());
        Assert.DoesNotContain(other.Key.ToString(), await ListedAsync());

        // Kafka acknowledged it: the next write stores no outbox, and the key leaves the list in the same script.
        state.State = Second with { Outbox = null };
        await storage.WriteStateAsync(GrainType, id, state);
        Assert.DoesNotContain(id.Key.ToString(), await ListedAsync());

        state.State = Second with { Outbox = [change] };
        await storage.WriteStateAsync(GrainType, id, state);
        await storage.ClearStateAsync(GrainType, id, state);
        Assert.DoesNotContain(id.Key.ToString(), await ListedAsync());

        // A write that loses to another activation changes neither the state nor the list.
        var stale = await ReadAsync(storage, other);
        otherState.State = Second;
        await storage.WriteStateAsync(GrainType, other, otherState);
        stale.State = First with { Outbox = [change] };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, other, stale));
        Assert.DoesNotContain(other.Key.ToString(), await ListedAsync());

        async Task<List<string>> ListedAsync()
        {
            var keys = new List<string>();
            await foreach (var key in storage.KeysWithOutboxAsync())
            {
                keys.Add(key);
            }

            return keys;
        }
    }

    private static async Task<GrainState<HotDataState>> ReadAsync(HotDataGrainStorage storage, GrainId id)
    {
        var state = new GrainState<HotDataState>();
        await storage.ReadStateAsync(GrainType, id, state);
        return state;
    }
}
