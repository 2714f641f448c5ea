using OrleansHotData.Client;

namespace OrleansHotData.Tests.Observability;

/// <summary>Expiry is a change: watchers of a Kafka-fed key learn of it, in order, with a version of its own.</summary>
[Collection(ObservabilityDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class ExpiryWatchTests(ObservabilityFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Watchers_of_a_kafka_fed_key_get_an_expire_event_when_its_time_to_live_runs_out()
    {
        var key = ObservabilityFixture.NewKey("expiring");
        var path = "/v1/keys/" + Uri.EscapeDataString(key);
        await using var sse = await ServerSentEventReader.OpenAsync(fixture.SiloHttp[1], path + "/watch?fromVersion=0");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The SDK watcher may subscribe before or after the record is applied: it sees version 1 live or as the
        // current value it starts with, and the expiry live either way.
        var sdkEvents = Task.Run(async () =>
        {
            var seen = new List<HotDataChangeEvent>();
            await foreach (var e in fixture.ClientHost.Client.WatchAsync(key, fromVersion: 0, stop.Token))
            {
                seen.Add(e);
                if (e.Version >= 2)
                {
                    break;
                }
            }

            return seen;
        });

        await fixture.ProduceAsync(key, """{"session":"abc"}""", (HotDataHeaders.Ttl, "2"));

        var change = await sse.NextAsync(Deadline);
        Assert.Equal(("1", "change"), (change.Id, change.Event));
        var expire = await sse.NextAsync(Deadline);
        Assert.Equal(("2", "expire"), (expire.Id, expire.Event));
        Assert.True(expire.Json.GetProperty("deleted").GetBoolean());
        Assert.Equal("expiry", expire.Json.GetProperty("source").GetString());

        var seen = await sdkEvents.WaitAsync(Deadline);
        Assert.Equal((2L, HotDataChangeSource.Expiry, true), (seen[^1].Version, seen[^1].Source, seen[^1].IsDeleted));
        Assert.All(seen[..^1], e => Assert.Equal((1L, HotDataChangeSource.Kafka), (e.Version, e.Source)));
    }
}
