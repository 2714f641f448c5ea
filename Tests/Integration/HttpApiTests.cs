using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

[Collection(HotDataClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class HttpApiTests(HotDataClusterFixture cluster)
{
    private HttpClient Http => cluster.Http;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string KeyPath(string key) => "/v1/keys/" + Uri.EscapeDataString(key);

    private static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.Equal("urn:orleanshotdata:problem:" + type, problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        return problem;
    }

    [Fact]
    public async Task Put_then_get_round_trips_the_value_with_its_version_as_etag()
    {
        var key = HotDataClusterFixture.NewKey("product/with slash");

        using var put = await Http.PutAsync(KeyPath(key), Json("""{"price": 12.5, "name": "lamp"}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("\"1\"", put.Headers.ETag?.Tag);

        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        var body = JsonNode.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal(12.5m, body!["price"]!.GetValue<decimal>());
        Assert.Equal("lamp", body["name"]!.GetValue<string>());

        // The second silo serves the same key from the same activation.
        using var other = new HttpClient { BaseAddress = new Uri(cluster.Silos[1].HttpUrl) };
        using var getOther = await other.GetAsync(KeyPath(key));
        Assert.Equal("\"1\"", getOther.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Patch_increment_and_delete_apply_in_order()
    {
        var key = HotDataClusterFixture.NewKey("stock");
        (await Http.PutAsync(KeyPath(key), Json("""{"qty":5,"meta":{"color":"red"}}"""))).Dispose();

        using var patch = await Http.PatchAsync(KeyPath(key), new StringContent("""{"meta":{"color":null,"size":"L"}}""", Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        using var incr = await Http.PostAsync(KeyPath(key) + "/incr", Json("""{"qty":-2}"""));
        Assert.Equal("\"3\"", incr.Headers.ETag?.Tag);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"qty":3,"meta":{"size":"L"}}"""), JsonNode.Parse(await incr.Content.ReadAsStringAsync())));

        using var delete = await Http.DeleteAsync(KeyPath(key));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await AssertProblemAsync(await Http.GetAsync(KeyPath(key)), HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(await Http.DeleteAsync(KeyPath(key)), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_thousand_concurrent_increments_sum_exactly()
    {
        var key = HotDataClusterFixture.NewKey("counter");
        using var second = new HttpClient { BaseAddress = new Uri(cluster.Silos[1].HttpUrl) };

        // Half the calls through each silo's API: both route to the one activation of the key.
        var responses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? Http : second).PostAsync(KeyPath(key) + "/incr", Json("""{"n":1}"""));
            return response.StatusCode;
        }));

        Assert.All(responses, s => Assert.Equal(HttpStatusCode.OK, s));
        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal(1000, JsonNode.Parse(await get.Content.ReadAsStringAsync())!["n"]!.GetValue<long>());
        Assert.Equal("\"1000\"", get.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task If_match_guards_writes_and_a_mismatch_is_412_with_the_current_version()
    {
        var key = HotDataClusterFixture.NewKey("guarded");
        (await Http.PutAsync(KeyPath(key), Json("1"))).Dispose();

        using var stale = new HttpRequestMessage(HttpMethod.Put, KeyPath(key)) { Content = Json("2") };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"7\""));
        var problem = await AssertProblemAsync(await Http.SendAsync(stale), HttpStatusCode.PreconditionFailed, "version-conflict");
        Assert.Equal(1, problem["currentVersion"]!.GetValue<long>());

        using var fresh = new HttpRequestMessage(HttpMethod.Put, KeyPath(key)) { Content = Json("2") };
        fresh.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        using var ok = await Http.SendAsync(fresh);
        Assert.Equal("\"2\"", ok.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task If_none_match_star_creates_only_once()
    {
        var key = HotDataClusterFixture.NewKey("create-once");
        HttpRequestMessage Create()
        {
            var request = new HttpRequestMessage(HttpMethod.Put, KeyPath(key)) { Content = Json("""{"owner":"a"}""") };
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
            return request;
        }

        using var first = await Http.SendAsync(Create());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertProblemAsync(await Http.SendAsync(Create()), HttpStatusCode.PreconditionFailed, "version-conflict");
    }

    [Fact]
    public async Task Get_with_current_etag_is_304()
    {
        var key = HotDataClusterFixture.NewKey("cached");
        (await Http.PutAsync(KeyPath(key), Json("1"))).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, KeyPath(key));
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Theory]
    [InlineData("%01control")]
    [InlineData("tab%09key")]
    public async Task Malformed_key_is_400(string encodedKey)
    {
        await AssertProblemAsync(await Http.GetAsync("/v1/keys/" + encodedKey), HttpStatusCode.BadRequest, "invalid-key");
        await AssertProblemAsync(await Http.PutAsync("/v1/keys/" + encodedKey, Json("1")), HttpStatusCode.BadRequest, "invalid-key");
    }

    [Fact]
    public async Task Key_over_512_bytes_is_400()
    {
        var problem = await AssertProblemAsync(await Http.PutAsync(KeyPath(new string('k', 513)), Json("1")), HttpStatusCode.BadRequest, "invalid-key");
        Assert.Contains("513", problem["detail"]!.GetValue<string>());
        using var ok = await Http.PutAsync(KeyPath(new string('k', 512)), Json("1"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("{\"a\":1} trailing")]
    public async Task Malformed_body_is_400_and_loses_nothing(string body)
    {
        var key = HotDataClusterFixture.NewKey("malformed");
        (await Http.PutAsync(KeyPath(key), Json("""{"keep":true}"""))).Dispose();

        await AssertProblemAsync(await Http.PutAsync(KeyPath(key), Json(body)), HttpStatusCode.BadRequest, "invalid-request");

        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Invalid_utf8_body_is_400()
    {
        var content = new ByteArrayContent([0x22, 0xC3, 0x28, 0x22]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        await AssertProblemAsync(await Http.PutAsync(KeyPath(HotDataClusterFixture.NewKey("utf8")), content), HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Increment_of_a_string_field_is_400_with_the_reason()
    {
        var key = HotDataClusterFixture.NewKey("named");
        (await Http.PutAsync(KeyPath(key), Json("""{"name":"x"}"""))).Dispose();

        var problem = await AssertProblemAsync(await Http.PostAsync(KeyPath(key) + "/incr", Json("""{"name":1}""")), HttpStatusCode.BadRequest, "invalid-change");
        Assert.Contains("not a number", problem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    public async Task Bad_ttl_is_400(string ttl)
    {
        await AssertProblemAsync(await Http.PutAsync(KeyPath(HotDataClusterFixture.NewKey("ttl")) + "?ttl=" + ttl, Json("1")), HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Bad_if_match_is_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, KeyPath(HotDataClusterFixture.NewKey("ifmatch"))) { Content = Json("1") };
        request.Headers.TryAddWithoutValidation("If-Match", "\"abc\"");
        await AssertProblemAsync(await Http.SendAsync(request), HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Value_over_1_MiB_is_413_and_a_value_at_the_limit_is_accepted()
    {
        var key = HotDataClusterFixture.NewKey("big");
        var tooBig = "\"" + new string('x', 1024 * 1024) + "\"";
        await AssertProblemAsync(await Http.PutAsync(KeyPath(key), Json(tooBig)), HttpStatusCode.RequestEntityTooLarge, "value-too-large");

        var atLimit = "\"" + new string('x', (1024 * 1024) - 2) + "\"";
        using var ok = await Http.PutAsync(KeyPath(key), Json(atLimit));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        // A patch that would grow the value past the limit is refused, and the value stays as it was.
        using var nearLimit = await Http.PutAsync(KeyPath(key), Json("{\"a\":\"" + new string('x', (1024 * 1024) - 20) + "\"}"));
        await AssertProblemAsync(await Http.PatchAsync(KeyPath(key), Json("{\"b\":\"" + new string('y', 100) + "\"}")), HttpStatusCode.RequestEntityTooLarge, "value-too-large");
        using var get = await Http.GetAsync(KeyPath(key));
        Assert.Equal(nearLimit.Headers.ETag?.Tag, get.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Batch_get_returns_present_values_and_names_the_missing()
    {
        var present = HotDataClusterFixture.NewKey("batch-a");
        var absent = HotDataClusterFixture.NewKey("batch-b");
        (await Http.PutAsync(KeyPath(present), Json("""{"v":1}"""))).Dispose();

        using var response = await Http.PostAsync("/v1/keys:batchGet", Json(JsonSerializer.Serialize(new { keys = new[] { present, absent, present } })));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var item = Assert.Single(body["items"]!.AsArray())!;
        Assert.Equal(present, item["key"]!.GetValue<string>());
        Assert.Equal(1, item["version"]!.GetValue<long>());
        Assert.Equal(1, item["value"]!["v"]!.GetValue<int>());
        Assert.Equal(absent, Assert.Single(body["missing"]!.AsArray())!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"keys":[]}""")]
    [InlineData("""{"keys":"a"}""")]
    [InlineData("""{"keys":["ok",""]}""")]
    [InlineData("[1,2]")]
    public async Task Batch_get_with_bad_body_is_400(string body)
    {
        using var response = await Http.PostAsync("/v1/keys:batchGet", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ttl_expires_the_value_and_redis_keeps_only_its_version()
    {
        var key = HotDataClusterFixture.NewKey("session");
        using var put = await Http.PutAsync(KeyPath(key) + "?ttl=3", Json("""{"user":"u1-secret"}"""));
        Assert.True(put.Headers.Contains("Hotdata-Expires-At"));
        // The value leaves Redis; a small record of the key's version stays, so versions never repeat.
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.Redis.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var database = redis.GetDatabase();
        async Task<string> StoredAsync()
        {
            var stored = new StringBuilder();
            foreach (var redisKey in server.Keys(pattern: $"*{key}*"))
            {
                if (await database.KeyTypeAsync(redisKey) == StackExchange.Redis.RedisType.Hash)
                {
                    foreach (var entry in await database.HashGetAllAsync(redisKey))
                    {
                        stored.Append(Encoding.UTF8.GetString((byte[])entry.Value!));
                    }
                }
                else
                {
                    stored.Append(Encoding.UTF8.GetString((byte[])(await database.StringGetAsync(redisKey))!));
                }
            }

            return stored.ToString();
        }

        Assert.Contains("u1-secret", await StoredAsync(), StringComparison.Ordinal);
        await Eventually.TrueAsync(async () =>
        {
            using var get = await Http.GetAsync(KeyPath(key));
            return get.StatusCode == HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(10), "the value to expire");
        await Eventually.TrueAsync(
            async () => !(await StoredAsync()).Contains("u1-secret", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the expired value to leave Redis");
        using var again = await Http.PutAsync(KeyPath(key), Json("""{"user":"u2"}"""));
        Assert.Equal("\"3\"", again.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task OpenApi_document_is_served()
    {
        using var response = await Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(document["paths"]!["/v1/keys/{key}"]);
        Assert.NotNull(document["paths"]!["/v1/keys:batchGet"]);
    }
}
