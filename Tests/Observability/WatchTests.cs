using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Observability;

/// <summary>Change notifications: across silos, from both sources, in order, resumable, and never holding writers up.</summary>
[Collection(ObservabilityDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class WatchTests(ObservabilityFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private sealed record Expected(long Version, string Source, string? Json);

    [Fact]
    public async Task Watchers_on_another_silo_and_a_client_host_receive_every_api_and_kafka_change_in_order()
    {
        var watchingSilo = fixture.SiloHttp[0];
        var writingSilo = fixture.SiloHttp[1];
        var key = await KeyActivatedAwayFromAsync(fixture.Silos[0]);
        var path = "/v1/keys/" + Uri.EscapeDataString(key);

        await using var sse = await ServerSentEventReader.OpenAsync(watchingSilo, path + "/watch");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sdkEvents = new List<HotDataChangeEvent>();
        var sdkWatcher = fixture.ClientHost.Client.WatchAsync(key, fromVersion: 0, stop.Token).GetAsyncEnumerator(stop.Token);
        var sdkReading = Task.Run(async () =>
        {
            while (await sdkWatcher.MoveNextAsync())
            {
                lock (sdkEvents)
                {
                    sdkEvents.Add(sdkWatcher.Current);
                    if (sdkWatcher.Current.Version == 8)
                    {
                        return;
                    }
                }
            }
        });
        // API writes through the other silo and Kafka records, alternating; each waits for the previous to be applied.
        // Both watchers see the first change either live or as the current value they start with; once they have it,
        // they are subscribed and see every later change live.
        await ApiAsync(writingSilo, HttpMethod.Put, path, """{"n":1}""");
        var firstEvent = await sse.NextAsync(Deadline);
        await Eventually.TrueAsync(() => Task.FromResult(SdkCount() >= 1), Deadline, "the SDK watcher to get version 1");
        await KafkaAsync(key, """{"n":10}""", 2);
        await ApiAsync(writingSilo, HttpMethod.Patch, path, """{"m":1}""");
        await KafkaAsync(key, """{"n":5}""", 4, (HotDataHeaders.Operation, "incr"));
        await ApiAsync(writingSilo, HttpMethod.Delete, path, null);
        await KafkaAsync(key, """{"x":1}""", 6);
        await ApiAsync(writingSilo, HttpMethod.Post, path + "/incr", """{"x":2}""");
        await KafkaAsync(key, null, 8);

        Expected[] expected =
        [
            new(1, "api", """{"n":1}"""),
            new(2, "kafka", """{"n":10}"""),
            new(3, "api", """{"n":10,"m":1}"""),
            new(4, "kafka", """{"n":15,"m":1}"""),
            new(5, "api", null),
            new(6, "kafka", """{"x":1}"""),
            new(7, "api", """{"x":3}"""),
            new(8, "kafka", null),
        ];

        foreach (var want in expected)
        {
            var e = want.Version == 1 ? firstEvent : await sse.NextAsync(Deadline);
            Assert.Equal(want.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Id);
            Assert.Equal(want.Json is null ? "delete" : "change", e.Event);
            var data = e.Json;
            Assert.Equal(key, data.GetProperty("key").GetString());
            Assert.Equal(want.Version, data.GetProperty("version").GetInt64());
            Assert.Equal(want.Source, data.GetProperty("source").GetString());
            Assert.Equal(want.Json is null, data.GetProperty("deleted").GetBoolean());
            AssertJson(want.Json, data.GetProperty("value"));
        }

        await sdkReading.WaitAsync(Deadline);
        Assert.Equal(expected.Select(e => e.Version), sdkEvents.Select(e => e.Version));
        Assert.Equal(expected.Select(e => e.Source), sdkEvents.Select(e => e.Source.ToString().ToLowerInvariant()));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Json is null, sdkEvents[i].IsDeleted);
            if (expected[i].Json is { } json)
            {
                AssertJson(json, sdkEvents[i].Value!.Value);
            }
        }

        await sdkWatcher.DisposeAsync();

        int SdkCount()
        {
            lock (sdkEvents)
            {
                return sdkEvents.Count;
            }
        }
    }

    [Fact]
    public async Task Sse_resumes_from_last_event_id_with_the_current_value_first()
    {
        var http = fixture.SiloHttp[0];
        var path = "/v1/keys/" + Uri.EscapeDataString(ObservabilityFixture.NewKey("resume"));
        for (var n = 1; n <= 3; n++)
        {
            await ApiAsync(fixture.SiloHttp[1], HttpMethod.Put, path, $$"""{"n":{{n}}}""");
        }

        // Behind: the current value comes first, then what follows.
        await using (var behind = await ServerSentEventReader.OpenAsync(http, path + "/watch", lastEventId: "1"))
        {
            var first = await behind.NextAsync(Deadline);
            Assert.Equal("3", first.Id);
            Assert.Equal(3, first.Json.GetProperty("value").GetProperty("n").GetInt32());
            await ApiAsync(fixture.SiloHttp[1], HttpMethod.Put, path, """{"n":4}""");
            Assert.Equal("4", (await behind.NextAsync(Deadline)).Id);
        }

        // Up to date: nothing is repeated; the next event is the next change.
        await using (var current = await ServerSentEventReader.OpenAsync(http, path + "/watch", lastEventId: "4"))
        {
            await ApiAsync(fixture.SiloHttp[1], HttpMethod.Delete, path, null);
            var next = await current.NextAsync(Deadline);
            Assert.Equal("5", next.Id);
            Assert.Equal("delete", next.Event);
        }

        // The query parameter works like the header, and without either the current state comes first.
        await using (var fromQuery = await ServerSentEventReader.OpenAsync(http, path + "/watch?fromVersion=2"))
        {
            Assert.Equal("5", (await fromQuery.NextAsync(Deadline)).Id);
        }

        using var bad = await http.GetAsync(path + "/watch?fromVersion=abc");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_watcher_that_stops_reading_never_holds_up_writes_and_then_skips_to_the_latest_value()
    {
        var client = fixture.ClientHost.Client;
        var capacity = fixture.ClientHost.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HotDataClientOptions>>().Value.WatchBufferCapacity;
        var key = ObservabilityFixture.NewKey("slow");
        await client.SetAsync(key, new { n = 0 });

        await using var watcher = client.WatchAsync(key, fromVersion: 0).GetAsyncEnumerator();
        Assert.True(await watcher.MoveNextAsync());
        Assert.Equal(1, watcher.Current.Version);

        // The watcher reads nothing while many more changes than its buffer holds are applied: none of them waits.
        var writes = capacity * 3;
        for (var i = 0; i < writes; i++)
        {
            await client.IncrementAsync(key, new { n = 1 }).WaitAsync(Deadline);
        }

        var last = 1 + writes;
        var seen = new List<long>();
        while (seen.LastOrDefault() != last)
        {
            Assert.True(await watcher.MoveNextAsync().AsTask().WaitAsync(Deadline));
            seen.Add(watcher.Current.Version);
        }

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(seen.Count <= capacity + 1, $"the watcher got {seen.Count} changes; its buffer holds {capacity}");
        Assert.Equal(writes, watcher.Current.Value!.Value.GetProperty("n").GetInt32());
    }

    /// <summary>
    /// A key whose grain lives on another silo than <paramref name="silo"/>, when placement gives one: placement weighs
    /// the silos' load, and on a busy machine it can put a long run of keys on one silo. The watcher must see every
    /// change either way (the writes go through the other silo's API); a remote grain only makes the test stronger.
    /// </summary>
    // The watched grain is placed on the other silo, so the watch crosses silos: the grain class prefers the silo of
    // its first caller, so the writing silo activates it, and the directory confirms where it lives.
    private async Task<string> KeyActivatedAwayFromAsync(TestSilo silo)
    {
        var local = silo.App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var other = fixture.Silos.First(s => s != silo);
        var key = ObservabilityFixture.NewKey("watched");
        var grain = other.Grains.GetGrain<IHotDataGrain>(key);
        await grain.GetAsync();
        var host = await silo.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        Assert.True(host is not null && !host.Equals(local), $"the watched grain {key} lives on {host?.ToString() ?? "no silo"}, not away from the watching silo {local}");
        output.WriteLine($"the watched grain {key} lives on {host}; the watching silo is {local}");
        return key;
    }

    private static async Task ApiAsync(HttpClient http, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task KafkaAsync(string key, string? json, long appliedVersion, params (string Name, string Value)[] headers)
    {
        await fixture.ProduceAsync(key, json, headers);
        await Eventually.TrueAsync(
            async () => await fixture.Silos[1].Grains.GetGrain<IHotDataGrain>(key).GetAsync() is var value
                && (json is null ? value is null : value?.Version >= appliedVersion),
            Deadline,
            $"the record to be applied as version {appliedVersion}");
    }

    private static void AssertJson(string? expected, JsonElement actual)
    {
        if (expected is null)
        {
            Assert.Equal(JsonValueKind.Null, actual.ValueKind);
            return;
        }

        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, actual), $"expected {expected}, got {actual}");
    }
}
