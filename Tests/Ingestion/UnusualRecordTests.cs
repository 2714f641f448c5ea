using System.Net;
using System.Text.Json;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// Kafka records that are legal but unusual end applied or dead-lettered, and every record a key handles leaves its
/// trace, so neither a replay nor a late record can undo what the source said.
/// </summary>
[Collection(KafkaIngestionDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class UnusualRecordTests(KafkaIngestionFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private IHotDataClient Client => fixture.ClientHost.Client;

    [Fact]
    public async Task A_record_with_a_sixty_day_time_to_live_is_applied_and_its_key_keeps_ingesting()
    {
        var key = KafkaIngestionFixture.NewKey("long-ttl");
        await fixture.ProduceAsync(fixture.Topic, key, """{"n":1}""", (HotDataHeaders.Ttl, "5184000"));
        await fixture.ProduceAsync(fixture.Topic, key, """{"n":2}""", (HotDataHeaders.Operation, "incr"));

        var item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v?.Version == 2, Deadline, "both records");

        Assert.Equal(3, item!.Value.GetProperty("n").GetInt64());
        Assert.InRange(item.ExpiresAt!.Value - item.UpdatedAt, TimeSpan.FromDays(60) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(60) + TimeSpan.FromMinutes(1));

        // A new activation loads the value, arms its expiry again and takes the next record.
        await fixture.Silos[0].Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await fixture.ProduceAsync(fixture.Topic, key, """{"n":4}""", (HotDataHeaders.Operation, "incr"));
        item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v?.Version == 3, Deadline, "the record after reactivation");
        Assert.Equal(7, item!.Value.GetProperty("n").GetInt64());
    }

    [Fact]
    public async Task Duplicate_names_and_out_of_range_times_to_live_are_dead_lettered_and_the_records_behind_them_apply()
    {
        var key = KafkaIngestionFixture.NewKey("dup");
        var topic = fixture.Topic;
        await fixture.ProduceAsync(topic, key, """{"a":0}""");
        var poison = new (Confluent.Kafka.DeliveryResult<string?, byte[]?> Result, string Reason)[]
        {
            (await fixture.ProduceAsync(topic, key, """{"a":1,"a":2}"""), "invalid-change"),
            (await fixture.ProduceAsync(topic, key, """{"b":{"c":1,"c":2}}""", (HotDataHeaders.Operation, "patch")), "invalid-change"),
            (await fixture.ProduceAsync(topic, key, """{"a":1,"a":1}""", (HotDataHeaders.Operation, "incr")), "invalid-change"),
            (await fixture.ProduceAsync(topic, key, """{"a":1}""", (HotDataHeaders.Ttl, "315360001")), "invalid-ttl"),
        };
        await fixture.ProduceAsync(topic, key, """{"a":5}""", (HotDataHeaders.Operation, "incr"));

        var item = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v?.Version == 2, Deadline, "the record behind the poison");
        Assert.Equal(5, item!.Value.GetProperty("a").GetInt64());
        var found = DeadLetterReader.Read(fixture.KafkaConfigs, topic, KafkaIngestionFixture.Partitions,
            poison.Select(p => (p.Result.Partition.Value, p.Result.Offset.Value)).ToList(), Deadline);
        Assert.All(poison, p => Assert.StartsWith(p.Reason + ":", found[(p.Result.Partition.Value, p.Result.Offset.Value)].Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_late_set_older_than_a_delete_of_an_absent_key_does_not_resurrect_it()
    {
        var key = KafkaIngestionFixture.NewKey("no-resurrection");
        var marker = KafkaIngestionFixture.NewKey("marker");
        // The source deleted the key at version 7 before this system ever saw it; a set of version 6 arrives late.
        await fixture.ProduceAsync(fixture.Topic, key, null, (HotDataHeaders.Version, "7"));
        var late = await fixture.ProduceAsync(fixture.Topic, key, """{"resurrected":true}""", (HotDataHeaders.Version, "6"));
        // A record on the same partition behind them tells when they have been handled.
        await fixture.Producer.ProduceAsync(late.TopicPartition, TestRecords.Create(marker, """{"m":1}""", []));
        await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(marker), v => v is not null, Deadline, "the marker behind the records");

        using var response = await fixture.Http.GetAsync("/v1/keys/" + Uri.EscapeDataString(key));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await fixture.ProduceAsync(fixture.Topic, key, """{"fresh":true}""", (HotDataHeaders.Version, "8"));
        var fresh = await Eventually.ReturnsAsync(() => Client.GetAsync<JsonElement>(key), v => v is not null, Deadline, "a newer set");
        Assert.True(fresh!.Value.GetProperty("fresh").GetBoolean());
    }
}
