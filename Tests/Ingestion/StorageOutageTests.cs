using System.Text.Json;
using OrleansHotData.Grains;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// Redis goes away mid-ingest and comes back: records that could not be persisted are neither lost nor overtaken by
/// later records of their key, and nothing is applied twice.
/// </summary>
[Collection(KafkaIngestionDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class StorageOutageTests(KafkaIngestionFixture fixture)
{
    [Fact]
    public async Task Redis_killed_and_restarted_mid_ingest_loses_nothing_and_applies_nothing_twice()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        var topic = fixture.CreateTopicWithDeadLetters("outage");
        var clusterId = "outage-" + Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 20).Select(i => $"{clusterId}-{i}").ToArray();
        var silos = new List<TestSilo>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                silos.Add(await TestSilo.StartAsync(redis.ConnectionString, clusterId, fixture.SiloKafkaSettings(topic, "group-" + clusterId)));
            }

            await ProduceIncrementsAsync(topic, keys, rounds: 5);
            await WaitForCountsAsync(silos[0], keys, 5, TimeSpan.FromSeconds(30));

            redis.Kill();
            await ProduceIncrementsAsync(topic, keys, rounds: 5);
            // Give the records time to reach the grains and fail to persist while Redis is down.
            await Task.Delay(TimeSpan.FromSeconds(3));
            // The outage is real for the silos: a write now fails, as an infrastructure failure (retried), not as bad input.
            var probe = silos[0].Grains.GetGrain<IHotDataGrain>($"{clusterId}-probe");
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => probe.ApplyAsync(HotDataChange.Set("""{"p":1}""")));
            Assert.True(InfrastructureFailure.Is(refused), $"the write during the outage failed with {refused.GetType().Name}: {refused.Message}");
            await redis.RestartAsync();

            await WaitForCountsAsync(silos[0], keys, 10, TimeSpan.FromSeconds(120));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private async Task ProduceIncrementsAsync(string topic, string[] keys, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            await Task.WhenAll(keys.Select(k => fixture.ProduceAsync(topic, k, """{"n":1}""", (HotDataHeaders.Operation, "incr"))));
        }
    }

    private static Task WaitForCountsAsync(TestSilo silo, string[] keys, int expected, TimeSpan timeout) =>
        Eventually.TrueAsync(async () =>
        {
            foreach (var key in keys)
            {
                var value = await silo.Grains.GetGrain<IHotDataGrain>(key).GetAsync();
                if (value is null)
                {
                    return false;
                }

                var n = JsonDocument.Parse(value.Json).RootElement.GetProperty("n").GetInt64();
                // Every increment counted exactly once: never more, and the version agrees with the count.
                Assert.True(n <= expected, $"{key} counted {n} > {expected}: an increment was applied twice");
                Assert.Equal(n, value.Version);
                if (n != expected)
                {
                    return false;
                }
            }

            return true;
        }, timeout, $"every key to count {expected}");
}
