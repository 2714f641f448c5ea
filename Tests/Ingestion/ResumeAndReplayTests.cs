using System.Text.Json;
using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// Ingestion resumes from the consumer group's committed offsets, and a full redelivery of already applied records
/// changes nothing: the grains remember the source position of the last record they applied.
/// </summary>
[Collection(KafkaIngestionDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class ResumeAndReplayTests(KafkaIngestionFixture fixture)
{
    private const int KeyCount = 40;

    [Fact]
    public async Task Restarted_ingestion_resumes_from_committed_offsets_and_replayed_records_change_nothing()
    {
        var topic = fixture.CreateTopicWithDeadLetters("resume");
        var clusterId = "resume-" + Guid.NewGuid().ToString("N")[..8];
        var group = "group-" + clusterId;
        var keys = Enumerable.Range(0, KeyCount).Select(i => $"{clusterId}-{i}").ToArray();

        // First generation: 400 increments, committed, then a graceful stop that keeps the commits.
        var silos = await StartSilosAsync(clusterId, topic, group, count: 2);
        await ProduceIncrementsAsync(topic, keys, perKey: 10);
        await WaitForCountsAsync(silos[0], keys, expected: 10);
        var ends = EndOffsets(topic);
        await Eventually.TrueAsync(() => Task.FromResult(CommittedOffsets(topic, group).SequenceEqual(ends)), TimeSpan.FromSeconds(30), "the group to commit every record");
        await StopAsync(silos);
        Assert.Equal(ends, CommittedOffsets(topic, group));

        // Second generation, same group: only what was produced while nobody read is applied.
        await ProduceIncrementsAsync(topic, keys, perKey: 2);
        silos = await StartSilosAsync(clusterId, topic, group, count: 2);
        await WaitForCountsAsync(silos[0], keys, expected: 12);
        var groupEnds = EndOffsets(topic);
        await Eventually.TrueAsync(() => Task.FromResult(CommittedOffsets(topic, group).SequenceEqual(groupEnds)), TimeSpan.FromSeconds(30), "the group to commit every record");
        await StopAsync(silos);

        // Third generation, a new group: every record is delivered again, and none of them changes anything.
        var replayGroup = "replay-" + clusterId;
        silos = await StartSilosAsync(clusterId, topic, replayGroup, count: 2);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(CommittedOffsets(topic, replayGroup).SequenceEqual(groupEnds)), TimeSpan.FromSeconds(60), "the replay to be delivered and committed");
            await AssertCountsAsync(silos[0], keys, expected: 12);
        }
        finally
        {
            await StopAsync(silos);
        }
    }

    private async Task<List<TestSilo>> StartSilosAsync(string clusterId, string topic, string group, int count)
    {
        var silos = new List<TestSilo>();
        for (var i = 0; i < count; i++)
        {
            silos.Add(await TestSilo.StartAsync(fixture.Redis.ConnectionString, clusterId, fixture.SiloKafkaSettings(topic, group)));
        }

        return silos;
    }

    private static async Task StopAsync(IEnumerable<TestSilo> silos)
    {
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }
    }

    private async Task ProduceIncrementsAsync(string topic, string[] keys, int perKey)
    {
        var produced = new List<Task>();
        for (var round = 0; round < perKey; round++)
        {
            produced.AddRange(keys.Select(k => fixture.ProduceAsync(topic, k, """{"n":1}""", (HotDataHeaders.Operation, "incr"))));
        }

        await Task.WhenAll(produced);
    }

    private static Task WaitForCountsAsync(TestSilo silo, string[] keys, int expected) =>
        Eventually.TrueAsync(async () =>
        {
            foreach (var key in keys)
            {
                var value = await silo.Grains.GetGrain<IHotDataGrain>(key).GetAsync();
                if (value is null || Count(value) != expected)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(60), $"every key to count {expected}");

    private static async Task AssertCountsAsync(TestSilo silo, string[] keys, int expected)
    {
        foreach (var key in keys)
        {
            var value = await silo.Grains.GetGrain<IHotDataGrain>(key).GetAsync();
            Assert.NotNull(value);
            Assert.Equal(expected, Count(value));
            Assert.Equal(expected, value.Version);
        }
    }

    private static long Count(HotDataValue value) => JsonDocument.Parse(value.Json).RootElement.GetProperty("n").GetInt64();

    private List<long> EndOffsets(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(fixture.KafkaConfigs.Consumer("watermarks-" + Guid.NewGuid().ToString("N"))).Build();
        return [.. Enumerable.Range(0, KafkaIngestionFixture.Partitions)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value)];
    }

    private List<long> CommittedOffsets(string topic, string group)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(fixture.KafkaConfigs.Consumer(group)).Build();
        var partitions = Enumerable.Range(0, KafkaIngestionFixture.Partitions).Select(p => new TopicPartition(topic, p));
        return [.. consumer.Committed(partitions, TimeSpan.FromSeconds(10))
            .OrderBy(c => c.Partition.Value)
            .Select(c => c.Offset == Offset.Unset ? 0 : c.Offset.Value)];
    }
}
