using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansHotData.ChangeFeed;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

/// <summary>
/// The near-cache's contract, each point on the two-silo cluster with a separate client host: cached reads are local,
/// changes from anywhere reach them, a client reads its own writes, versions never go back, an entry its silo stopped
/// confirming is read from the grain again, and the silo answers HTTP reads from memory.
/// </summary>
[Collection(HotDataClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class NearCacheTests(HotDataClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private IHotDataClient Client => cluster.ClientHost.Client;

    [Fact]
    public async Task A_cached_key_is_read_from_memory_and_a_change_through_http_reaches_it_without_a_read_of_the_grain()
    {
        var key = HotDataClusterFixture.NewKey("nc-http");
        await PutAsync(key, """{"price":1}""");
        Assert.Equal(1, (await Client.GetAsync<JsonElement>(key))!.Version);
        var before = Client.NearCacheStatistics;

        Assert.Equal(1, (await Client.GetAsync<JsonElement>(key))!.Version);
        Assert.True(Client.NearCacheStatistics.Hits > before.Hits);

        await PutAsync(key, """{"price":2}""");
        await Eventually.TrueAsync(async () => (await Client.GetAsync<JsonElement>(key))!.Version == 2, Deadline, "the cached read to show version 2");

        var after = Client.NearCacheStatistics;
        Assert.Equal(before.Misses, after.Misses);
        Assert.True(after.Updates > before.Updates);
        Assert.Equal(2, (await Client.GetAsync<JsonElement>(key))!.Value.GetProperty("price").GetInt32());
    }

    [Fact]
    public async Task An_absent_key_is_cached_as_absent_until_it_is_written()
    {
        var key = HotDataClusterFixture.NewKey("nc-absent");
        Assert.Null(await Client.GetAsync<JsonElement>(key));
        Assert.Null(await Client.GetAsync<JsonElement>(key));

        await PutAsync(key, """{"a":1}""");

        await Eventually.TrueAsync(async () => await Client.GetAsync<JsonElement>(key) is { Version: 1 }, Deadline, "the cached read to show the written value");
        await cluster.Http.DeleteAsync("/v1/keys/" + key);
        await Eventually.TrueAsync(async () => await Client.GetAsync<JsonElement>(key) is null, Deadline, "the cached read to show the delete");
    }

    [Fact]
    public async Task After_a_write_through_the_client_returns_the_client_reads_that_version_or_newer()
    {
        var key = HotDataClusterFixture.NewKey("nc-ryw");
        await Client.SetAsync(key, new { n = 0 });
        await Client.GetAsync<JsonElement>(key);
        using var stop = new CancellationTokenSource();
        // Another writer beside this client's, so versions move under it too.
        var other = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await PostAsync($"/v1/keys/{key}/incr", """{"other":1}""");
            }
        });

        for (var i = 0; i < 200; i++)
        {
            var written = i % 2 == 0
                ? await Client.IncrementAsync(key, new { n = 1 })
                : await Client.PatchAsync(key, new { last = i });
            var read = await Client.GetAsync<JsonElement>(key);
            Assert.True(read!.Version >= written.Version, $"wrote version {written.Version}, then read {read.Version}");
        }

        await stop.CancelAsync();
        await other;
    }

    [Fact]
    public async Task Reads_never_go_back_in_version_while_other_writers_and_evictions_move_the_keys()
    {
        await using var small = await ClientHost.StartAsync(cluster.Redis.ConnectionString, cluster.ClusterId, o => o.NearCache.MaxEntries = 4);
        var reader = small.Client;
        var keys = Enumerable.Range(0, 8).Select(i => HotDataClusterFixture.NewKey($"nc-mono{i}")).ToArray();
        foreach (var key in keys)
        {
            await Client.SetAsync(key, new { n = 0 });
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                if (w == 0)
                {
                    await Client.IncrementAsync(key, new { n = 1 });
                }
                else
                {
                    await PostAsync($"/v1/keys/{key}/incr", """{"n":1}""");
                }
            }
        })).ToArray();
        var regressions = 0;
        var reads = 0;
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var seen = new Dictionary<string, long>();
            var random = new Random(100 + r);
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                var version = (await reader.GetAsync<JsonElement>(key))!.Version;
                Interlocked.Increment(ref reads);
                if (seen.TryGetValue(key, out var last) && version < last)
                {
                    Interlocked.Increment(ref regressions);
                }

                seen[key] = Math.Max(last, version);
            }
        })).ToArray();

        await Task.WhenAll(writers.Concat(readers));

        var statistics = reader.NearCacheStatistics;
        Assert.Equal(0, regressions);
        Assert.True(reads > 100, $"only {reads} reads");
        Assert.True(statistics.Entries <= 4, $"{statistics.Entries} entries with MaxEntries 4");
        Assert.True(statistics.Evictions > 0);
        Assert.True(statistics.Hits > 0);
    }

    [Fact]
    public async Task An_entry_its_silo_keeps_confirming_is_served_from_memory_long_after_MaxStaleness()
    {
        // A heartbeat (every 250 ms) that a loaded machine delays past MaxStaleness rightly makes the entry unconfirmed;
        // so up to three keys are tried, and one kept past MaxStaleness by heartbeats alone proves the mechanism (without
        // heartbeat confirmation every attempt is a revalidation).
        var outcomes = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var key = HotDataClusterFixture.NewKey("nc-confirmed");
            await Client.SetAsync(key, new { n = 1 });
            await Client.GetAsync<JsonElement>(key);
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // MaxStaleness is 1 s: only the silo's heartbeats keep the entry
            var before = Client.NearCacheStatistics;

            Assert.Equal(1, (await Client.GetAsync<JsonElement>(key))!.Version);

            var after = Client.NearCacheStatistics;
            if (after.Hits == before.Hits + 1 && after.Revalidations == before.Revalidations)
            {
                return;
            }

            outcomes.Add($"attempt {attempt}: {after.Hits - before.Hits} hits, {after.Revalidations - before.Revalidations} revalidations");
        }

        Assert.Fail("The entry was never served from memory past MaxStaleness: " + string.Join("; ", outcomes));
    }

    [Fact]
    public async Task A_fresh_read_asks_the_grain_and_is_not_a_cache_hit()
    {
        var key = HotDataClusterFixture.NewKey("nc-fresh");
        await Client.SetAsync(key, new { n = 1 });
        await Client.GetAsync<JsonElement>(key);
        var before = Client.NearCacheStatistics;

        var read = await Client.GetAsync<JsonElement>(key, fresh: true);
        var many = await Client.GetManyAsync<JsonElement>([key], fresh: true);

        Assert.Equal(1, read!.Version);
        Assert.Equal(1, many[key].Version);
        Assert.Equal(before.Hits, Client.NearCacheStatistics.Hits);
    }

    [Fact]
    public async Task A_key_whose_activation_is_collected_is_dropped_from_the_cache_and_subscribed_again_when_read()
    {
        var key = HotDataClusterFixture.NewKey("nc-ended");
        await Client.SetAsync(key, new { n = 1 });
        await Client.GetAsync<JsonElement>(key);
        var before = Client.NearCacheStatistics;

        foreach (var silo in cluster.Silos)
        {
            await silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        }

        await Eventually.TrueAsync(() => Task.FromResult(Client.NearCacheStatistics.Invalidations > before.Invalidations), Deadline, "the silo to end the subscription of the collected activation");
        Assert.Equal(1, (await Client.GetAsync<JsonElement>(key))!.Version);
        await PutAsync(key, """{"n":2}""");
        await Eventually.TrueAsync(async () => (await Client.GetAsync<JsonElement>(key))!.Version == 2, Deadline, "the cached read to show version 2");
    }

    [Fact]
    public async Task The_silo_answers_http_reads_from_memory_with_the_etag_and_304_for_a_matching_if_none_match()
    {
        var key = HotDataClusterFixture.NewKey("nc-etag");
        await PutAsync(key, """{"p":1}""");
        var silo = cluster.Silos[0].App.Services.GetRequiredService<HotDataNearCache>();
        using var first = await cluster.Http.GetAsync("/v1/keys/" + key);
        var hits = silo.Statistics.Hits;

        using var second = await cluster.Http.GetAsync("/v1/keys/" + key);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("\"1\"", second.Headers.ETag?.Tag);
        Assert.Equal("""{"p":1}""", await second.Content.ReadAsStringAsync());
        Assert.True(silo.Statistics.Hits > hits);

        foreach (var tag in new[] { "\"1\"", "W/\"1\"", "\"9\", \"1\"", "*" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys/" + key);
            request.Headers.TryAddWithoutValidation("If-None-Match", tag);
            using var notModified = await cluster.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal("\"1\"", notModified.Headers.ETag?.Tag);
        }

        // A change through the other silo reaches this silo's memory.
        using var otherSilo = new HttpClient { BaseAddress = new Uri(cluster.Silos[1].HttpUrl) };
        using (var put = await otherSilo.PutAsync("/v1/keys/" + key, new StringContent("""{"p":2}""", Encoding.UTF8, "application/json")))
        {
            put.EnsureSuccessStatusCode();
        }

        await Eventually.TrueAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys/" + key);
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));
            using var response = await cluster.Http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK && response.Headers.ETag?.Tag == "\"2\"";
        }, Deadline, "the first silo's HTTP read to show version 2");
        using var noCache = new HttpRequestMessage(HttpMethod.Get, "/v1/keys/" + key);
        noCache.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        hits = silo.Statistics.Hits;
        using var fresh = await cluster.Http.SendAsync(noCache);
        Assert.Equal("""{"p":2}""", await fresh.Content.ReadAsStringAsync());
        Assert.Equal(hits, silo.Statistics.Hits);
    }

    private async Task PutAsync(string key, string json)
    {
        using var response = await cluster.Http.PutAsync("/v1/keys/" + key, new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private async Task PostAsync(string path, string json)
    {
        using var response = await cluster.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }
}
