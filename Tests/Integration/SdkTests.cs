using System.Text.Json;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

[Collection(HotDataClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class SdkTests(HotDataClusterFixture cluster)
{
    private IHotDataClient Client => cluster.ClientHost.Client;

    private sealed record Price(decimal Amount, string Currency);

    [Fact]
    public async Task Typed_set_and_get_round_trip()
    {
        var key = HotDataClusterFixture.NewKey("price");

        var written = await Client.SetAsync(key, new Price(9.99m, "EUR"));
        var read = await Client.GetAsync<Price>(key);

        Assert.Equal(1, written.Version);
        Assert.NotNull(read);
        Assert.Equal(new Price(9.99m, "EUR"), read.Value);
        Assert.Equal(1, read.Version);
        Assert.Null(await Client.GetAsync<Price>(HotDataClusterFixture.NewKey("absent")));
    }

    [Fact]
    public async Task A_thousand_concurrent_sdk_increments_from_a_separate_client_host_sum_exactly()
    {
        var key = HotDataClusterFixture.NewKey("sdk-counter");

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Client.IncrementAsync(key, new { n = 1 })));

        var value = await Client.GetAsync<JsonElement>(key);
        Assert.Equal(1000, value!.Value.GetProperty("n").GetInt64());
        Assert.Equal(1000, value.Version);
    }

    [Fact]
    public async Task Patch_and_delete_through_the_sdk()
    {
        var key = HotDataClusterFixture.NewKey("profile");
        await Client.SetAsync(key, new { name = "Ada", city = "London" });

        var patched = await Client.PatchAsync(key, new Dictionary<string, object?> { ["city"] = null, ["lang"] = "en" });

        Assert.False(patched.Value.TryGetProperty("city", out _));
        Assert.Equal("en", patched.Value.GetProperty("lang").GetString());
        Assert.True(await Client.DeleteAsync(key));
        Assert.False(await Client.DeleteAsync(key));
    }

    [Fact]
    public async Task Get_many_returns_only_present_keys()
    {
        var a = HotDataClusterFixture.NewKey("many-a");
        var b = HotDataClusterFixture.NewKey("many-b");
        await Client.SetAsync(a, 1);
        await Client.SetAsync(b, 2);

        var values = await Client.GetManyAsync<int>([a, b, HotDataClusterFixture.NewKey("many-missing")]);

        Assert.Equal(2, values.Count);
        Assert.Equal(1, values[a].Value);
        Assert.Equal(2, values[b].Value);
    }

    [Fact]
    public async Task Version_conflict_throws_with_both_versions_and_changes_nothing()
    {
        var key = HotDataClusterFixture.NewKey("sdk-guarded");
        var first = await Client.SetAsync(key, new { v = 1 });

        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() =>
            Client.SetAsync(key, new { v = 2 }, new HotDataWriteOptions { ExpectedVersion = first.Version + 5 }));

        Assert.Equal(key, conflict.Key);
        Assert.Equal(first.Version + 5, conflict.ExpectedVersion);
        Assert.Equal(first.Version, conflict.CurrentVersion);
        Assert.Equal(1, (await Client.GetAsync<JsonElement>(key))!.Value.GetProperty("v").GetInt32());

        var ok = await Client.SetAsync(key, new { v = 3 }, new HotDataWriteOptions { ExpectedVersion = first.Version });
        Assert.Equal(first.Version + 1, ok.Version);
        await Assert.ThrowsAsync<VersionConflictException>(() => Client.DeleteAsync(key, expectedVersion: first.Version));
    }

    [Fact]
    public async Task Concurrent_optimistic_writers_only_one_wins_per_version()
    {
        var key = HotDataClusterFixture.NewKey("race");
        var start = await Client.SetAsync(key, 0);

        var attempts = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            try
            {
                await Client.SetAsync(key, i, new HotDataWriteOptions { ExpectedVersion = start.Version });
                return true;
            }
            catch (VersionConflictException)
            {
                return false;
            }
        }));

        Assert.Single(attempts, won => won);
        Assert.Equal(start.Version + 1, (await Client.GetAsync<int>(key))!.Version);
    }

    [Fact]
    public async Task Invalid_key_throws_before_any_call()
    {
        var error = await Assert.ThrowsAsync<InvalidKeyException>(() => Client.SetAsync("bad\u0000key", 1));
        Assert.Contains("control character", error.Message);
        await Assert.ThrowsAsync<InvalidKeyException>(() => Client.GetAsync<int>(new string('k', 513)));
    }

    [Fact]
    public async Task Too_large_value_throws()
    {
        await Assert.ThrowsAsync<ValueTooLargeException>(() =>
            Client.SetAsync(HotDataClusterFixture.NewKey("huge"), new string('x', 1024 * 1024)));
    }

    [Fact]
    public async Task Increment_of_a_string_field_throws_invalid_change()
    {
        var key = HotDataClusterFixture.NewKey("sdk-named");
        await Client.SetAsync(key, new { name = "x" });

        var error = await Assert.ThrowsAsync<InvalidChangeException>(() => Client.IncrementAsync(key, new { name = 1 }));
        Assert.Contains("not a number", error.Message);
    }
}
