using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansHotData.Benchmarks.Baselines;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// How long a record takes from being produced to being readable, at a fixed rate. Records set keys to a value that
/// embeds the produce time; every 50th goes to one of a few probe keys, and a watcher per probe key reads it (through
/// the SDK, or with Redis GET for the baseline) from the moment the probe is produced until the new value shows.
/// </summary>
public sealed class FreshnessScenario(BenchmarkContext context)
{
    private const int BackgroundKeys = 10_000;
    private const int ProbeKeys = 20;
    private const int ProbeEvery = 50;
    private const int RunInSeconds = 3;
    private static readonly string Padding = new('x', 48);

    // The value of the warm-up and run-in records: sequence -1, older than every probe.
    private static readonly string UnmeasuredValue = $$"""{"t":0,"s":-1,"pad":"{{Padding}}"}""";

    /// <summary>
    /// Measures at the configured rate, where the target applies, and at a fifth of it, which shows the latency of the
    /// path itself when the machine is not short of CPU.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await RunAtAsync(context.Options.FreshnessRate, withTarget: true, cancellationToken);
        if (context.Options.FreshnessRate / 5 >= 100)
        {
            await context.RestartClusterAsync(string.Create(CultureInfo.InvariantCulture, $"freshness-{context.Options.FreshnessRate / 5}"));
            await RunAtAsync(context.Options.FreshnessRate / 5, withTarget: false, cancellationToken);
        }
    }

    private async Task RunAtAsync(int rate, bool withTarget, CancellationToken cancellationToken)
    {
        var count = (long)(rate * context.Options.Duration.TotalSeconds);
        var client = context.Cluster.Client;
        var redis = context.RedisDatabase;

        var baseline = await context.Progress.PhaseAsync(
            $"Freshness at {rate:N0}/s: baseline consumer (SET), Redis GET",
            async () =>
            {
                var topic = context.NewTopic("freshness-baseline");
                using var consumer = new NaiveRedisConsumer(context.Kafka.BootstrapServers, "baseline-" + topic, topic, null, redis, BaselineWrite.StringSet);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var loop = consumer.RunAsync(stop.Token);
                await consumer.WaitForAssignmentAsync(TimeSpan.FromSeconds(30));
                var result = await MeasureAsync(topic, context.KeyPrefix(string.Create(CultureInfo.InvariantCulture, $"fresh-base-{rate}")), rate, count, async key =>
                {
                    var value = await redis.StringGetAsync(key);
                    return value.IsNull ? null : value.ToString();
                }, cancellationToken);
                await stop.CancelAsync();
                await loop.ContinueWith(_ => { }, TaskScheduler.Default);
                return result;
            },
            r => r.Summary());
        var ours = await context.Progress.PhaseAsync(
            $"Freshness at {rate:N0}/s: silos, SDK WatchAsync",
            () => MeasureAsync(context.Cluster.Topic, context.KeyPrefix(string.Create(CultureInfo.InvariantCulture, $"fresh-ours-{rate}")), rate, count, async key =>
            {
                // Fresh: a near-cache read would subscribe the 10,000 background keys, and the grains would push every
                // record of the measurement to this process besides the watched probes.
                var item = await client.GetAsync<JsonElement>(key, fresh: true, cancellationToken);
                return item?.Value.GetRawText();
            }, cancellationToken, watch: (key, token) => WatchValuesAsync(client, key, token)),
            r => r.Summary());

        var scenario = string.Create(CultureInfo.InvariantCulture, $"Freshness ({rate:N0} records/s)");
        var note = string.Create(CultureInfo.InvariantCulture,
            $"produce → readable; ours as the SDK's WatchAsync pushes it ({ours.Observed:N0} probes seen of {ours.Probes:N0}, {ours.AchievedRate:N0} records/s produced), baseline through Redis GET re-read every ~1 ms ({baseline.Observed:N0} of {baseline.Probes:N0}); a probe overwritten before it was seen counts as visible when its successor was.");
        context.Rows.Add(new ResultRow(scenario, "p50 produce → visible, ms", ours.P50, baseline.P50, Note: note));
        context.Rows.Add(withTarget
            ? new ResultRow(scenario, "p99 produce → visible, ms", ours.P99, baseline.P99, "p99 < 50 ms", ours.P99 < 50 && ours.Observed > 0)
            : new ResultRow(scenario, "p99 produce → visible, ms", ours.P99, baseline.P99));
    }

    /// <summary>The values of a key as the SDK pushes them, each as it arrives.</summary>
    private static async IAsyncEnumerable<string> WatchValuesAsync(
        Client.IHotDataClient client,
        string key,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in client.WatchAsync(key, cancellationToken: cancellationToken))
        {
            if (change.Value is { } value)
            {
                yield return value.GetRawText();
            }
        }
    }

    /// <param name="topic">The topic the records go to.</param>
    /// <param name="prefix">Prefixes every key of this measurement.</param>
    /// <param name="rate">Records per second.</param>
    /// <param name="count">Records in all.</param>
    /// <param name="read">Reads a key's value: polled by the probe watchers unless <paramref name="watch"/> is given; used by the warm-up.</param>
    /// <param name="watch">Pushes a key's values as they change, where the system offers that: probe watchers then wait for them instead of polling, and add no reads of their own to the load.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    private async Task<Outcome> MeasureAsync(
        string topic,
        string prefix,
        int rate,
        long count,
        Func<string, Task<string?>> read,
        CancellationToken cancellationToken,
        Func<string, CancellationToken, IAsyncEnumerable<string>>? watch = null)
    {
        await WarmUpAsync(topic, prefix, read, cancellationToken);
        await RunInAsync(topic, prefix, rate, cancellationToken);

        // The sequence number of the newest probe produced, per probe key.
        var armed = new long[ProbeKeys];
        Array.Fill(armed, -1);
        // When each probe was produced, by probe number (sequence / ProbeEvery).
        var producedAt = new long[(count + ProbeEvery - 1) / ProbeEvery];
        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 1);
        var started = Stopwatch.GetTimestamp();
        var produce = RecordProducer.AtRateAsync(rate, count, seq =>
        {
            var probe = seq % ProbeEvery == 0;
            var key = probe ? ProbeKey(prefix, seq / ProbeEvery % ProbeKeys) : BackgroundKey(prefix, seq);
            var now = Stopwatch.GetTimestamp();
            var value = string.Create(CultureInfo.InvariantCulture, $$"""{"t":{{now}},"s":{{seq}},"pad":"{{Padding}}"}""");
            if (probe)
            {
                Volatile.Write(ref producedAt[seq / ProbeEvery], now);
            }

            producer.Produce(topic, key, value, null);
            if (probe)
            {
                Volatile.Write(ref armed[seq / ProbeEvery % ProbeKeys], seq);
            }
        }, cancellationToken);

        var recorders = Enumerable.Range(0, ProbeKeys).Select(_ => new LatencyRecorder()).ToArray();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Records the probes of key p that the value shows applied since the last seen one, as of now; returns the newest
        // probe sequence seen. A probe overwritten by a newer one on its key before a read caught it was applied before
        // that one (per-key order): it counts as visible now, an upper bound, so slow probes are never left out of the
        // percentiles.
        long RecordSeen(int p, string json, long seen)
        {
            var now = Stopwatch.GetTimestamp();
            using var document = JsonDocument.Parse(json);
            var sequence = document.RootElement.GetProperty("s").GetInt64();
            if (sequence <= seen)
            {
                return seen;
            }

            for (var number = seen < 0 ? p : seen / ProbeEvery + ProbeKeys; number <= sequence / ProbeEvery; number += ProbeKeys)
            {
                recorders[p].Add(now - Volatile.Read(ref producedAt[number]));
            }

            return sequence;
        }

        // Waits for the pushed values of probe key p until its last probe shows or the measurement is cancelled.
        async Task WatchProbeAsync(int p, Func<string, CancellationToken, IAsyncEnumerable<string>> values)
        {
            long seen = -1;
            try
            {
                await foreach (var pushed in values(ProbeKey(prefix, p), watching.Token))
                {
                    seen = RecordSeen(p, pushed, seen);
                    if (produce.IsCompleted && seen >= Volatile.Read(ref armed[p]))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The measurement is over.
            }
        }

        // Re-reads probe key p every ~1 ms while a probe of it is pending, until its last probe shows or 5 s after
        // the last produce.
        async Task PollProbeAsync(int p)
        {
            var key = ProbeKey(prefix, p);
            long seen = -1;
            var graceEnds = long.MaxValue;
            while (!cancellationToken.IsCancellationRequested)
            {
                var target = Volatile.Read(ref armed[p]);
                if (produce.IsCompleted)
                {
                    graceEnds = Math.Min(graceEnds, Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency);
                    if (seen >= target || Stopwatch.GetTimestamp() > graceEnds)
                    {
                        return;
                    }
                }

                if (target > seen && await read(key) is { } json)
                {
                    var sequence = RecordSeen(p, json, seen);
                    if (sequence > seen)
                    {
                        seen = sequence;
                        continue;
                    }
                }

                await Task.Delay(1, cancellationToken);
            }
        }

        var watchers = Enumerable.Range(0, ProbeKeys)
            .Select(p => Task.Run(() => watch is null ? PollProbeAsync(p) : WatchProbeAsync(p, watch), cancellationToken))
            .ToArray();

        await produce;
        var producedSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        producer.Flush(cancellationToken);
        if (watch is not null)
        {
            // The pushed values of the last probes have 5 s to arrive, as polled ones do.
            watching.CancelAfter(TimeSpan.FromSeconds(5));
        }

        await Task.WhenAll(watchers);
        var latencies = LatencyRecorder.MergeMilliseconds(recorders);
        return new Outcome(
            (count + ProbeEvery - 1) / ProbeEvery,
            latencies.Length,
            count / producedSeconds,
            LatencyRecorder.Percentile(latencies, 50),
            LatencyRecorder.Percentile(latencies, 99),
            producer.Failed);
    }

    /// <summary>
    /// Sets every key once and waits until all show, so the measurement sees keys already in memory (the steady state
    /// of a hot-data cache), not their first activation.
    /// </summary>
    private async Task WarmUpAsync(string topic, string prefix, Func<string, Task<string?>> read, CancellationToken cancellationToken)
    {
        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5);
        var keys = Enumerable.Range(0, BackgroundKeys).Select(i => BackgroundKey(prefix, i))
            .Concat(Enumerable.Range(0, ProbeKeys).Select(p => ProbeKey(prefix, p)))
            .ToList();
        foreach (var key in keys)
        {
            producer.Produce(topic, key, UnmeasuredValue, null);
        }

        producer.Flush(cancellationToken);
        var deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (key, token) =>
        {
            while (await read(key) is null)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"The freshness warm-up record of {key} did not become visible within 2 minutes.");
                }

                await Task.Delay(20, token);
            }
        });
    }

    /// <summary>
    /// The workload at its rate for a few seconds before the measurement (background keys only), so that what is
    /// measured is the steady state, not the first seconds of a young process tiering up its hot code.
    /// </summary>
    private async Task RunInAsync(string topic, string prefix, int rate, CancellationToken cancellationToken)
    {
        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 1);
        await RecordProducer.AtRateAsync(rate, rate * RunInSeconds, seq =>
            producer.Produce(topic, BackgroundKey(prefix, seq), UnmeasuredValue, null), cancellationToken);
        producer.Flush(cancellationToken);
    }

    private static string ProbeKey(string prefix, long probe) => prefix + "probe:" + probe.ToString(CultureInfo.InvariantCulture);

    private static string BackgroundKey(string prefix, long sequence) => prefix + (sequence % BackgroundKeys).ToString(CultureInfo.InvariantCulture);

    private sealed record Outcome(long Probes, long Observed, double AchievedRate, double P50, double P99, long ProduceFailures)
    {
        public string Summary() => string.Create(
            CultureInfo.InvariantCulture,
            $"{AchievedRate:N0} records/s produced; {Observed:N0} of {Probes:N0} probes seen, p50 {P50:0.0} ms, p99 {P99:0.0} ms{(ProduceFailures > 0 ? $", {ProduceFailures} produce failures" : "")}");
    }
}
