using System.Globalization;
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

        var (siloBytes, stateBytes, complete) = await context.Progress.PhaseAsync(
            $"Memory: {count:N0} keys activated through Kafka",
            async () =>
            {
                await Task.Delay(Settle, cancellationToken);
                var rssBefore = context.Cluster.ResidentBytes();
                var redisBefore = await context.Redis.UsedMemoryAsync();
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
                var redisAfter = await context.Redis.UsedMemoryAsync();
                return ((double)(rssAfter - rssBefore) / count, (double)(redisAfter - redisBefore) / count, outcome.Incomplete.Count == 0);
            },
            r => string.Create(CultureInfo.InvariantCulture, $"{r.Item1:N0} B of silo memory and {r.Item2:N0} B of Redis memory per key{(r.Item3 ? "" : " (not all keys became visible)")}"));

        var redisPerKey = await context.Progress.PhaseAsync(
            $"Memory: {count:N0} keys SET in Redis",
            async () =>
            {
                var redis = context.RedisDatabase;
                var before = await context.Redis.UsedMemoryAsync();
                foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
                {
                    var batch = redis.CreateBatch();
                    var writes = chunk.Select(i => batch.StringSetAsync(baseline + Id(i), Value(i))).ToArray();
                    batch.Execute();
                    await Task.WhenAll(writes);
                }

                var after = await context.Redis.UsedMemoryAsync();
                return (double)(after - before) / count;
            },
            b => string.Create(CultureInfo.InvariantCulture, $"{b:N0} B of Redis memory per key"));

        context.Rows.Add(new ResultRow(
            string.Create(CultureInfo.InvariantCulture, $"Memory ({count:N0} active keys)"),
            "bytes per active key: silo RSS vs Redis",
            siloBytes,
            redisPerKey,
            "< 2 KiB silo memory per key",
            complete && siloBytes < 2048,
            string.Create(CultureInfo.InvariantCulture,
                $"Resident memory of both silo processes after minus before, over the keys; the baseline is Redis's used_memory per key for the same values SET as strings. Ours also keeps {stateBytes:N0} B per key of grain state in Redis.")));
    }

    private static string Id(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Value(int i) => string.Create(CultureInfo.InvariantCulture, $$"""{"v":{{i}},"status":"active"}""");
}
