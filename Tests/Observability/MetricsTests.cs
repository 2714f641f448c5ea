using System.Net.Http.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Observability;

/// <summary>The Prometheus endpoint of each silo shows the system's meter moving as work is done.</summary>
[Collection(ObservabilityDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class MetricsTests(ObservabilityFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Applied_and_dead_lettered_records_are_counted_on_the_scrape_endpoint()
    {
        var before = await ScrapeAllAsync();
        double Applied(PrometheusText[] scrapes) => scrapes.Sum(s => s.Sum("hotdata_changes_applied_total", "source=\"kafka\""));
        double DeadLettered(PrometheusText[] scrapes) => scrapes.Sum(s => s.Sum("hotdata_records_dead_lettered_total", "reason=\"invalid-change\""));
        double StorageWrites(PrometheusText[] scrapes) => scrapes.Sum(s => s.Sum("hotdata_storage_write_duration_seconds_count", "outcome=\"ok\""));

        var keys = Enumerable.Range(0, 10).Select(i => ObservabilityFixture.NewKey($"metric{i}")).ToList();
        foreach (var key in keys)
        {
            await fixture.ProduceAsync(key, """{"n":1}""");
        }

        await fixture.ProduceAsync(ObservabilityFixture.NewKey("poison"), """{"n": oops""");
        await fixture.ProduceAsync(ObservabilityFixture.NewKey("poison"), "not json");

        var after = await Eventually.ReturnsAsync(
            ScrapeAllAsync,
            scrapes => Applied(scrapes) >= Applied(before) + keys.Count && DeadLettered(scrapes) >= DeadLettered(before) + 2,
            Deadline,
            "the applied and dead-lettered counters to move");
        Assert.True(StorageWrites(after) >= StorageWrites(before) + keys.Count, "every applied record is a Redis write");
        Assert.Contains("# TYPE hotdata_storage_write_duration_seconds histogram", after[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_requests_are_counted_by_route_method_and_status()
    {
        var http = fixture.SiloHttp[1];
        const string route = "route=\"/v1/keys/{key}\"";
        var before = await PrometheusText.ScrapeAsync(http);
        var key = Uri.EscapeDataString(ObservabilityFixture.NewKey("api"));

        (await http.PutAsync($"/v1/keys/{key}", JsonContent.Create(new { n = 1 }))).EnsureSuccessStatusCode();
        (await http.PutAsync($"/v1/keys/{key}", JsonContent.Create(new { n = 2 }))).EnsureSuccessStatusCode();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"/v1/keys/{Uri.EscapeDataString(ObservabilityFixture.NewKey("absent"))}")).StatusCode);

        double Count(PrometheusText scrape, string method, int status) =>
            scrape.Sum("hotdata_api_request_duration_seconds_count", route, $"method=\"{method}\"", $"status=\"{status}\"");

        // The exporter may answer a scrape from a short cache: wait for the counts, then check they are exact.
        var after = await Eventually.ReturnsAsync(
            () => PrometheusText.ScrapeAsync(http),
            scrape => Count(scrape, "PUT", 200) >= Count(before, "PUT", 200) + 2 && Count(scrape, "GET", 404) >= Count(before, "GET", 404) + 1,
            Deadline,
            "the API request counts to move");
        Assert.Equal(2, Count(after, "PUT", 200) - Count(before, "PUT", 200));
        Assert.Equal(1, Count(after, "GET", 404) - Count(before, "GET", 404));
        Assert.True(after.Sum("hotdata_api_request_duration_seconds_sum", route, "method=\"PUT\"") > 0);
    }

    [Fact]
    public async Task Kafka_lag_is_exported_for_every_partition_and_drains_to_zero()
    {
        var keys = Enumerable.Range(0, 40).Select(i => ObservabilityFixture.NewKey($"lag{i}")).ToList();
        await Task.WhenAll(keys.Select(k => fixture.ProduceAsync(k, """{"n":1}""")));

        var topic = $"topic=\"{fixture.Topic}\"";
        var scrapes = await Eventually.ReturnsAsync(
            ScrapeAllAsync,
            all =>
            {
                var lags = all.SelectMany(s => s.Samples("orleans_streaming_kafka_lag", topic)).ToList();
                return lags.Select(l => l.Labels).Distinct().Count() == ObservabilityFixture.Partitions && lags.All(l => l.Value == 0);
            },
            Deadline,
            "a lag of 0 for each of the topic's partitions once the records are applied");

        // Lag is exported once, by the stream provider's meter, not again on the system's.
        Assert.DoesNotContain("hotdata_kafka_lag", scrapes[0].Text, StringComparison.Ordinal);
        // Orleans' own meters are exported too.
        Assert.Contains("orleans_", scrapes[0].Text.Replace("orleans_streaming_kafka", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private async Task<PrometheusText[]> ScrapeAllAsync() => await Task.WhenAll(fixture.SiloHttp.Select(PrometheusText.ScrapeAsync));
}
