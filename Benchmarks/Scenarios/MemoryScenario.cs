using System.Globalization;
using OrleansHotData.Benchmarks.Infrastructure;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// Silo memory per active key: many new keys set through Kafka (each becomes an activation holding its value), the
/// silo processes' resident memory before and after, divided by the keys. The baseline is what Redis spends per key
/// on the same values written with SET.
/// </summary>
public sealed class MemoryScenario(BenchmarkContext context)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = context.Options.MemoryKeys;
        var ours = context.KeyPrefix("memory-ours");
        var baseline = context.KeyPrefix("memory-base");
        var keys = Enumerable.Range(0, count).Select(i => ours + Id(i)).ToList();

        var (siloBytes, heapBytes, stateBytes, complete) = await context.Progress.PhaseAsync(
            $"Memory: {count:N0} keys activated through Kafka",
            async () =>
            {
                await Task.Delay(Settle, cancellationToken);
                var heapBefore = await LiveHeapBytesAsync();
                var rssBefore = context.Cluster.ResidentBytes();
                var redisBefore = await context.RedisUsedMemoryAsync();
                using (var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5))
                {
                    for (var i = 0; i < count; i++)
                    {
                        producer.Produce(context.Cluster.Topic, keys[i], Value(i), null);
                    }

                    producer.Flush(cancellationToken);
                }

                var random = new Random(3);
                var outcome = await new CompletionPoller(context.Cluster.Client).WaitAsync(
                    [.. keys.OrderBy(_ => random.Next()).Take(64)],
                    keys,
                    (_, _) => true,
                    TimeSpan.FromMinutes(4),
                    cancellationToken);
                await Task.Delay(Settle, cancellationToken);
                var rssAfter = context.Cluster.ResidentBytes();
                var heapAfter = await LiveHeapBytesAsync();
                var redisAfter = await context.RedisUsedMemoryAsync();
                return ((double)(rssAfter - rssBefore) / count, (double)(heapAfter - heapBefore) / count, (double)(redisAfter - redisBefore) / count, outcome.Incomplete.Count == 0);
            },
            r => string.Create(CultureInfo.InvariantCulture, $"per key: {r.Item2:N0} B of live silo heap, {r.Item1:N0} B of silo resident memory, {r.Item3:N0} B of Redis memory{(r.Item4 ? "" : " (not all keys became visible)")}"));

        var redisPerKey = await context.Progress.PhaseAsync(
            $"Memory: {count:N0} keys SET in Redis",
            async () =>
            {
                var redis = context.RedisDatabase;
                var before = await context.RedisUsedMemoryAsync();
                foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
                {
                    var batch = redis.CreateBatch();
                    var writes = chunk.Select(i => batch.StringSetAsync(baseline + Id(i), Value(i))).ToArray();
                    batch.Execute();
                    await Task.WhenAll(writes);
                }

                var after = await context.RedisUsedMemoryAsync();
                return (double)(after - before) / count;
            },
            b => string.Create(CultureInfo.InvariantCulture, $"{b:N0} B of Redis memory per key"));

        var scenario = string.Create(CultureInfo.InvariantCulture, $"Memory ({count:N0} active keys)");
        context.Rows.Add(new ResultRow(
            scenario,
            "bytes per key: live silo heap vs Redis",
            heapBytes,
            redisPerKey,
            "< 2 KiB silo memory per key",
            complete && heapBytes < 2048,
            string.Create(CultureInfo.InvariantCulture,
                $"Live managed heap of both silos after a full collection (induced through the diagnostics port), after minus before, over the keys. The baseline is Redis's used_memory per key for the same values SET as strings. Ours also keeps {stateBytes:N0} B per key of grain state in Redis.")));
        context.Rows.Add(new ResultRow(
            scenario,
            "bytes per key: silo resident memory vs Redis",
            siloBytes,
            redisPerKey,
            Note: "Resident memory (VmRSS) of both silo processes, after minus before, over the keys: includes the collector's headroom (server GC), so it overstates what a key keeps."));
    }

    private async Task<long> LiveHeapBytesAsync()
    {
        long total = 0;
        foreach (var silo in context.Cluster.Silos)
        {
            total += await GcHeapProbe.LiveHeapBytesAsync(silo.Id, TimeSpan.FromSeconds(60));
        }

        return total;
    }

    private static string Id(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Value(int i) => string.Create(CultureInfo.InvariantCulture, $$"""{"v":{{i}},"status":"active"}""");
}
