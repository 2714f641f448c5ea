using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

/// <summary>
/// Input that is legal but unusual gets an answer that says what happened, never a 500: long times to live, duplicate
/// member names, lone surrogates, and ETags from a value's earlier life.
/// </summary>
[Collection(HotDataClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class UnusualInputTests(HotDataClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private HttpClient Http => cluster.Http;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string KeyPath(string key) => "/v1/keys/" + Uri.EscapeDataString(key);

    private static async Task AssertInvalidRequestAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(JsonNode.Parse(body)!["detail"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData(60 * 24 * 3600)]
    [InlineData(5 * 365 * 24 * 3600)]
    public async Task A_long_time_to_live_is_applied_and_the_key_still_answers_after_reactivation(int seconds)
    {
        var key = HotDataClusterFixture.NewKey("long-ttl");

        using var put = await Http.PutAsync($"{KeyPath(key)}?ttl={seconds}", Json("""{"a":1}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var expiresAt = DateTimeOffset.Parse(put.Headers.GetValues("Hotdata-Expires-At").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(seconds - 60), TimeSpan.FromSeconds(seconds + 60));

        // A new activation loads the value and arms its expiry again.
        await cluster.Silos[0].Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var patch = await Http.PatchAsync(KeyPath(key), Json("""{"b":2}"""));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("\"2\"", patch.Headers.ETag?.Tag);
    }

    [Theory]
    [InlineData("315360001")]
    [InlineData("9999999999")]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_time_to_live_outside_1_second_to_10_years_is_refused(string ttl)
    {
        var key = HotDataClusterFixture.NewKey("bad-ttl");

        using var put = await Http.PutAsync($"{KeyPath(key)}?ttl={ttl}", Json("""{"a":1}"""));

        await AssertInvalidRequestAsync(put);
        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"x":{"n":1,"n":2}}""")]
    [InlineData("""{"s":"\ud800"}""")]
    public async Task Duplicate_names_and_lone_surrogates_are_refused_by_every_write_and_leave_the_value_alone(string body)
    {
        var key = HotDataClusterFixture.NewKey("dup");
        (await Http.PutAsync(KeyPath(key), Json("""{"a":0,"x":{"n":0}}"""))).Dispose();

        using var put = await Http.PutAsync(KeyPath(key), Json(body));
        await AssertInvalidRequestAsync(put);
        using var patch = await Http.PatchAsync(KeyPath(key), Json(body));
        await AssertInvalidRequestAsync(patch);
        using var incr = await Http.PostAsync(KeyPath(key) + "/incr", Json(body));
        await AssertInvalidRequestAsync(incr);

        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":0,"x":{"n":0}}"""), JsonNode.Parse(await get.Content.ReadAsStringAsync())));
        // Later writes still work.
        using var later = await Http.PatchAsync(KeyPath(key), Json("""{"a":5}"""));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task The_sdk_refuses_duplicate_names_and_over_long_times_to_live_with_a_typed_error_and_takes_long_legal_ones()
    {
        var sdk = cluster.ClientHost.Client;
        var key = HotDataClusterFixture.NewKey("sdk-unusual");
        using var duplicates = JsonDocument.Parse("""{"a":1,"a":2}""");

        await Assert.ThrowsAsync<InvalidChangeException>(() => sdk.SetAsync(key, duplicates.RootElement));
        await Assert.ThrowsAsync<InvalidChangeException>(() => sdk.SetAsync(key, new { a = 1 }, new HotDataWriteOptions { Ttl = TimeSpan.FromDays(3651) }));
        Assert.Null(await sdk.GetAsync<JsonElement>(key));

        var item = await sdk.SetAsync(key, new { a = 1 }, new HotDataWriteOptions { Ttl = TimeSpan.FromDays(3650) });
        Assert.Equal(1, item.Version);
        Assert.InRange(item.ExpiresAt!.Value - item.UpdatedAt, TimeSpan.FromDays(3650) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task An_etag_from_before_an_expiry_never_matches_the_key_recreated_after_it()
    {
        var key = HotDataClusterFixture.NewKey("expiry-version");
        using var first = await Http.PutAsync($"{KeyPath(key)}?ttl=1", Json("""{"life":1}"""));
        var oldTag = first.Headers.ETag!.Tag;
        Assert.Equal("\"1\"", oldTag);
        await Eventually.TrueAsync(async () =>
        {
            using var get = await Http.GetAsync(KeyPath(key));
            return get.StatusCode == HttpStatusCode.NotFound;
        }, Deadline, "the value to expire");

        using var second = await Http.PutAsync(KeyPath(key), Json("""{"life":2}"""));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.NotEqual(oldTag, second.Headers.ETag?.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Put, KeyPath(key)) { Content = Json("""{"life":"overwritten"}""") };
        stale.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(oldTag));
        using var refused = await Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal(2, JsonNode.Parse(await get.Content.ReadAsStringAsync())!["life"]!.GetValue<int>());
    }
}
