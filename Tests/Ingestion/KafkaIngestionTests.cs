using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streaming.Kafka;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Ingestion;

[Collection(KafkaIngestionDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaIngestionTests(KafkaIngestionFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private IHotDataClient Client => fixture.ClientHost.Client;

    [Fact]
    public async Task Record_produced_to_kafka_is_readable_through_the_sdk_and_http()
    {
        var key = KafkaIngestionFixture.NewKey("product");

        await fixture.ProduceAsync(fixture.Topic, key, """{"price": 12.5, "stock": 3}""");

        var item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v is not null, Deadline, "the record to reach the grain");
        Assert.Equal(12.5m, item!.Value.GetProperty("price").GetDecimal());
        Assert.Equal(1, item.Version);
        using var response = await fixture.Http.GetAsync("/v1/keys/" + Uri.EscapeDataString(key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(3, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["stock"]!.GetValue<int>());
    }

    [Fact]
    public async Task Each_partition_is_read_by_exactly_one_of_three_silos()
    {
        var owners = await Eventually.ReturnsAsync(
            () => Task.FromResult(fixture.Silos
                .SelectMany((silo, index) => silo.App.Services
                    .GetRequiredKeyedService<KafkaStreamDiagnostics>(HotDataConstants.StreamProviderName)
                    .GetActivePartitions()
                    .Where(p => p.Topic == fixture.Topic)
                    .Select(p => (p.Partition, Silo: index)))
                .ToList()),
            owners => owners.Count == KafkaIngestionFixture.Partitions && owners.Select(o => o.Partition).Distinct().Count() == KafkaIngestionFixture.Partitions,
            Deadline,
            "every partition to have exactly one reader");

        Assert.Equal(Enumerable.Range(0, KafkaIngestionFixture.Partitions), owners.Select(o => o.Partition).Order());
        Assert.True(owners.Select(o => o.Silo).Distinct().Count() >= 2, "the partitions should be spread over the silos");

        // Whichever silo reads a key's partition, the key's final value is right.
        var keys = Enumerable.Range(0, 64).Select(i => KafkaIngestionFixture.NewKey($"spread{i}")).ToList();
        await Task.WhenAll(keys.SelectMany(k => Enumerable.Range(0, 5).Select(_ => fixture.ProduceAsync(fixture.Topic, k, """{"n":1}""", (HotDataHeaders.Operation, "incr")))));
        await Eventually.TrueAsync(async () =>
        {
            var values = await Client.GetManyAsync<JsonElement>(keys);
            return values.Count == keys.Count && values.Values.All(v => v.Value.GetProperty("n").GetInt64() == 5 && v.Version == 5);
        }, Deadline, "every key to reach n = 5");
    }

    [Fact]
    public async Task Api_writes_and_kafka_records_on_one_key_are_serialized_and_count_exactly()
    {
        var key = KafkaIngestionFixture.NewKey("mixed");

        var kafka = Task.WhenAll(Enumerable.Range(0, 500).Select(_ => fixture.ProduceAsync(fixture.Topic, key, """{"n":1}""", (HotDataHeaders.Operation, "incr"))));
        var api = Task.WhenAll(Enumerable.Range(0, 500).Select(_ => Client.IncrementAsync(key, new { n = 1 })));
        await Task.WhenAll(kafka, api);

        var item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v?.Version == 1000, Deadline, "all 1000 increments");
        Assert.Equal(1000, item!.Value.GetProperty("n").GetInt64());
    }

    [Fact]
    public async Task Wire_contract_operations_headers_and_tombstones_apply()
    {
        var key = KafkaIngestionFixture.NewKey("contract");
        var topic = fixture.Topic;
        await fixture.ProduceAsync(topic, key, """{"a":1,"b":{"c":2}}""");
        await fixture.ProduceAsync(topic, key, """{"b":{"c":null,"d":3}}""", (HotDataHeaders.Operation, "patch"));
        await fixture.ProduceAsync(topic, key, """{"a":4}""", (HotDataHeaders.Operation, "incr"));
        await fixture.ProduceAsync(topic, key, """{"a":100}""", (HotDataHeaders.Operation, "set"), (HotDataHeaders.Version, "10"));
        await fixture.ProduceAsync(topic, key, """{"a":-1}""", (HotDataHeaders.Operation, "set"), (HotDataHeaders.Version, "9"));
        await fixture.ProduceAsync(topic, key, """{"a":-2}""", (HotDataHeaders.Version, "10"));
        // A record of the same key behind the stale ones: a key's records apply in order, so once it is applied the
        // stale ones have been handled (a marker of another key could be applied by another grain first).
        await fixture.ProduceAsync(topic, key, """{"z":1}""", (HotDataHeaders.Operation, "incr"));
        var ttlKey = KafkaIngestionFixture.NewKey("contract-ttl");
        await fixture.ProduceAsync(topic, ttlKey, """{"s":1}""", (HotDataHeaders.Ttl, "300"));
        var deletedKey = KafkaIngestionFixture.NewKey("contract-delete");
        await fixture.ProduceAsync(topic, deletedKey, """{"x":1}""");
        var tombstone = await fixture.ProduceAsync(topic, deletedKey, null);
        // A record behind the tombstone on its partition tells when the tombstone has been handled: before that, a
        // 404 could mean the key was not created yet.
        var marker = KafkaIngestionFixture.NewKey("contract-marker");
        await fixture.Producer.ProduceAsync(tombstone.TopicPartition, TestRecords.Create(marker, """{"m":1}""", []));

        // Once the record behind the stale ones is applied, they have been handled: skipped, not applied.
        var item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v?.Value.TryGetProperty("z", out _) == true, Deadline, "the record behind the stale ones");
        // The stale versions 9 and 10 were skipped: four changes and the one behind them, on the value of version 10.
        Assert.Equal(5, item!.Version);
        Assert.Equal("""{"a":100,"z":1}""", item.Value.GetRawText());

        var ttl = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(ttlKey), v => v is not null, Deadline, "the ttl record");
        Assert.NotNull(ttl!.ExpiresAt);
        Assert.InRange(ttl.ExpiresAt!.Value - ttl.UpdatedAt, TimeSpan.FromSeconds(299), TimeSpan.FromSeconds(301));

        await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(marker), v => v is not null, Deadline, "the record behind the tombstone");
        using (var response = await fixture.Http.GetAsync("/v1/keys/" + Uri.EscapeDataString(deletedKey)))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var grain = fixture.Silos[0].Grains.GetGrain<IHotDataGrain>(deletedKey);
        Assert.Null(await grain.GetAsync());
    }

    [Fact]
    public async Task Poison_records_are_dead_lettered_with_reasons_and_the_records_behind_them_apply()
    {
        var key = KafkaIngestionFixture.NewKey("poison");
        var topic = fixture.Topic;
        await fixture.ProduceAsync(topic, key, """{"name":"x","n":0}""");
        var poison = new List<(DeliveryResult<string?, byte[]?> Result, string Reason)>
        {
            (await fixture.ProduceAsync(topic, key, "{not json"), "invalid-change"),
            (await fixture.ProduceAsync(topic, key, """{"n":1}""", (HotDataHeaders.Operation, "upsert")), "unknown-operation"),
            (await fixture.ProduceAsync(topic, key, """{"name":1}""", (HotDataHeaders.Operation, "incr")), "invalid-change"),
            (await fixture.ProduceAsync(topic, key, """{"n":1}""", (HotDataHeaders.Ttl, "soon")), "invalid-ttl"),
            (await fixture.ProduceAsync(topic, key, """{"n":1}""", (HotDataHeaders.Version, "v2")), "invalid-version"),
            (await fixture.ProduceAsync(topic, key, null, (HotDataHeaders.Operation, "patch")), "missing-value"),
            (await fixture.ProduceAsync(topic, "bad\u0001key", """{"n":1}"""), "invalid-key"),
            (await fixture.ProduceAsync(topic, new string('k', 600), """{"n":1}"""), "invalid-key"),
            (await fixture.ProduceAsync(topic, null, """{"n":1}"""), KafkaDeadLetterHeaders.MissingKeyReason),
        };
        await fixture.ProduceAsync(topic, key, """{"n":5}""", (HotDataHeaders.Operation, "incr"));

        var item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v?.Version == 2, Deadline, "the valid record behind the poison");
        Assert.Equal(5, item!.Value.GetProperty("n").GetInt64());

        var expected = poison.ToDictionary(p => (p.Result.Partition.Value, p.Result.Offset.Value), p => p.Reason);
        var found = DeadLetterReader.Read(fixture.KafkaConfigs, topic, KafkaIngestionFixture.Partitions, expected.Keys, Deadline);
        Assert.Equal(expected.Count, found.Count);
        foreach (var (source, reason) in expected)
        {
            Assert.StartsWith(reason, found[source].Reason);
        }
    }
}
