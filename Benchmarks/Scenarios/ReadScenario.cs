using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// Writes and reads of hot keys with a fixed number of concurrent callers, against StackExchange.Redis on the same
/// values: SDK <c>SetAsync</c> of new keys and of existing keys against Redis <c>SET</c>; SDK <c>GetAsync</c> served by
/// the client's near-cache, SDK <c>GetAsync(fresh: true)</c> (a grain call) and HTTP <c>GET /v1/keys/{key}</c> (served
/// by the silos' near-cache) against Redis <c>GET</c>. Last, how soon a change from outside the process (a Kafka
/// record, an HTTP PUT) is seen by readers of the near-cache.
/// </summary>
public sealed class ReadScenario(BenchmarkContext context)
{
    private const int ChangeRate = 1_000;
    private const int ChangedKeys = 100;
    private const int ChangeReaders = 4;

    // The SDK's default: both sides write the same JSON.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = context.Options;
        var keys = options.ReadKeys;
        var callers = options.Callers;
        var ours = context.KeyPrefix("read-ours");
        var baseline = context.KeyPrefix("read-base");
        var values = Enumerable.Range(0, keys).Select(i => JsonSerializer.Serialize(Product.Of(i, 0), Json)).ToArray();
        var client = context.Cluster.Client;
        var redis = context.RedisDatabase;

        // Writes first, while nothing is cached: the keys read below are the ones written here.
        var writeOurs = await context.Progress.PhaseAsync(
            $"Write, new keys: SDK SetAsync of {keys:N0} keys, {callers} callers",
            () => WriteAllAsync(callers, keys, i => client.SetAsync(ours + Id(i), JsonDocument.Parse(values[i]).RootElement, cancellationToken: cancellationToken), cancellationToken),
            Describe);
        var writeBaseline = await context.Progress.PhaseAsync(
            $"Write, new keys: Redis SET of {keys:N0} keys, {callers} callers",
            () => WriteAllAsync(callers, keys, i => redis.StringSetAsync(baseline + Id(i), values[i]), cancellationToken),
            Describe);
        context.Rows.Add(new ResultRow($"Write, new keys ({callers} callers)", "ops/s, SDK SetAsync vs Redis SET", writeOurs.PerSecond, writeBaseline.PerSecond,
            Note: "Each write of ours activates the key's grain (a Redis read finds no value) and persists to Redis before it answers; the keys written here are the ones read below."));

        // Existing keys get new values (a counter makes each write a change); both sides serialize the same object.
        var stock = 0L;
        var rewriteBaseline = await context.Progress.PhaseAsync(
            $"Write, existing keys: Redis SET, {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r =>
            {
                var i = r.Next(keys);
                return redis.StringSetAsync(baseline + Id(i), JsonSerializer.Serialize(Product.Of(i, Interlocked.Increment(ref stock)), Json));
            }, null, cancellationToken),
            Describe);
        var rewriteOurs = await context.Progress.PhaseAsync(
            $"Write, existing keys: SDK SetAsync, {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r =>
            {
                var i = r.Next(keys);
                return client.SetAsync(ours + Id(i), Product.Of(i, Interlocked.Increment(ref stock)), cancellationToken: cancellationToken);
            }, context.Cluster.CpuTime, cancellationToken),
            Describe);
        AddRows($"Write, existing keys ({callers} callers)", "ops/s, SDK SetAsync vs Redis SET", rewriteOurs, rewriteBaseline, 0.3, "Redis SET", p99TargetMs: null,
            "each write of ours is durable in Redis before it answers; no key is cached while they run");

        var redisRead = await context.Progress.PhaseAsync(
            $"Read: Redis GET, {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r => redis.StringGetAsync(baseline + Id(r.Next(keys))), null, cancellationToken),
            Describe);

        // Every key read once, so that the measured reads are hits (each first read subscribes its key).
        await context.Progress.PhaseAsync(
            $"Read every key once through the SDK (near-cache filled)",
            async () =>
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, keys), new ParallelOptions { MaxDegreeOfParallelism = callers, CancellationToken = cancellationToken },
                    async (i, token) => await client.GetAsync<JsonElement>(ours + Id(i), token));
                return string.Create(CultureInfo.InvariantCulture, $"{client.NearCacheStatistics.Entries:N0} entries");
            });
        var statisticsBefore = client.NearCacheStatistics;
        var cachedRead = await context.Progress.PhaseAsync(
            $"Read: SDK GetAsync (near-cache hits), {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r => client.GetAsync<JsonElement>(ours + Id(r.Next(keys)), cancellationToken), context.Cluster.CpuTime, cancellationToken),
            Describe);
        var cacheReads = NearCacheReads.Between(statisticsBefore, client.NearCacheStatistics);
        AddRows($"Read, SDK GetAsync near-cache hit ({callers} callers)", "ops/s vs Redis GET", cachedRead, redisRead, 5, "Redis GET", p99TargetMs: 1,
            string.Create(CultureInfo.InvariantCulture, $"near-cache hit ratio {cacheReads.HitRatio:P2} ({cacheReads.Hits:N0} hits, {cacheReads.Misses:N0} misses, {cacheReads.Revalidations:N0} revalidations, warm-up included); every key read once before"));

        var freshRead = await context.Progress.PhaseAsync(
            $"Read: SDK GetAsync fresh: true (grain call), {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r => client.GetAsync<JsonElement>(ours + Id(r.Next(keys)), fresh: true, cancellationToken), context.Cluster.CpuTime, cancellationToken),
            Describe);
        AddRows($"Read, SDK GetAsync fresh: true (grain call) ({callers} callers)", "ops/s vs Redis GET", freshRead, redisRead, 0.6, "Redis GET", p99TargetMs: 2, null);

        var httpRead = await MeasureHttpAsync(ours, keys, callers, cancellationToken);
        AddRows($"Read, HTTP GET ({callers} callers)", "ops/s vs Redis GET", httpRead, redisRead, 0.3, "Redis GET", p99TargetMs: 5,
            "over both silos, each key from the silo that has it cached (every key read once before); one HttpClient, HTTP/1.1 keep-alive, a connection per caller");

        await MeasureChangeSeenAsync(client, ChangeSource.Kafka, cancellationToken);
        await MeasureChangeSeenAsync(client, ChangeSource.HttpPut, cancellationToken);
    }

    /// <summary>Where the changes of the change → seen measurement come from: both are outside the reading client.</summary>
    private enum ChangeSource
    {
        /// <summary>Kafka records through the silos' ingest, as the freshness scenario sends them.</summary>
        Kafka,

        /// <summary>HTTP PUTs to the silos, spread over both: the write path and the push without the ingest.</summary>
        HttpPut,
    }

    private async Task<ClosedLoopLoad.Outcome> MeasureHttpAsync(string prefix, int keys, int callers, CancellationToken cancellationToken)
    {
        // A connection per caller, kept alive for the whole run, and nothing the client would do per request beyond
        // sending it (no proxy lookup, no cookies, no decompression, no trace headers).
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = callers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
        };
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var endpoints = context.Cluster.HttpEndpoints;
        var urls = Enumerable.Range(0, keys).Select(i => new Uri(endpoints[i % endpoints.Count], "/v1/keys/" + Uri.EscapeDataString(prefix + Id(i)))).ToArray();
        async Task GetAsync(Uri url)
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"GET {url}: {(int)response.StatusCode}");
            }

            await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        await context.Progress.PhaseAsync(
            $"Read every key once through HTTP (silos' near-caches filled)",
            async () =>
            {
                await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = callers, CancellationToken = cancellationToken }, async (url, _) => await GetAsync(url));
                return string.Create(CultureInfo.InvariantCulture, $"{urls.Length:N0} keys");
            });
        return await context.Progress.PhaseAsync(
            $"Read: HTTP GET, {callers} callers over {endpoints.Count} silos",
            () => ClosedLoopLoad.RunAsync(callers, context.Options.WarmUp, context.Options.Duration, r => GetAsync(urls[r.Next(keys)]), context.Cluster.CpuTime, cancellationToken),
            Describe);
    }

    /// <summary>
    /// Changes from outside the reading process (Kafka records, or HTTP PUTs to the silos) change
    /// <see cref="ChangedKeys"/> keys at <see cref="ChangeRate"/> a second, each value carrying its number and send
    /// time; reader tasks read the keys from the near-cache in a loop and note when each change is first seen. The
    /// changes reach the cache only by the grains' pushes, as a change by another client or service does.
    /// </summary>
    private async Task MeasureChangeSeenAsync(Client.IHotDataClient client, ChangeSource source, CancellationToken cancellationToken)
    {
        var sourceName = source == ChangeSource.Kafka ? "Kafka records" : "HTTP PUTs";
        var prefix = context.KeyPrefix(source == ChangeSource.Kafka ? "read-seen-kafka" : "read-seen-http");
        var keys = Enumerable.Range(0, ChangedKeys).Select(k => prefix + Id(k)).ToArray();
        var total = (long)(ChangeRate * context.Options.Duration.TotalSeconds);
        var sightings = new ChangeSightings(ChangedKeys, total);
        var outcome = await context.Progress.PhaseAsync(
            $"Change → seen: {ChangeRate:N0} {sourceName}/s over {ChangedKeys} keys, {ChangeReaders} near-cache readers",
            async () =>
            {
                // The keys exist and are cached before the first change (value number -1: not measured).
                foreach (var key in keys)
                {
                    await client.SetAsync(key, new { s = -1, t = 0L }, cancellationToken: cancellationToken);
                    await client.GetAsync<JsonElement>(key, cancellationToken);
                }

                using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 1);
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 32, UseProxy = false, UseCookies = false, ActivityHeadersPropagator = null };
                using var http = new HttpClient(handler);
                var endpoints = context.Cluster.HttpEndpoints;
                var urls = Enumerable.Range(0, ChangedKeys).Select(k => new Uri(endpoints[k % endpoints.Count], "/v1/keys/" + Uri.EscapeDataString(keys[k]))).ToArray();
                var putFailures = 0L;
                var puts = new List<Task>();
                async Task PutAsync(long seq, string json)
                {
                    try
                    {
                        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
                        using var response = await http.PutAsync(urls[seq % ChangedKeys], content, cancellationToken);
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref putFailures);
                        }
                        else
                        {
                            sightings.Acknowledged(seq, Stopwatch.GetTimestamp());
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref putFailures);
                    }
                }

                var topic = context.Cluster.Topic;
                var produce = RecordProducer.AtRateAsync(ChangeRate, total, seq =>
                {
                    var now = Stopwatch.GetTimestamp();
                    sightings.Sent(seq, now);
                    var json = string.Create(CultureInfo.InvariantCulture, $$"""{"s":{{seq}},"t":{{now}}}""");
                    if (source == ChangeSource.Kafka)
                    {
                        producer.Produce(topic, keys[seq % ChangedKeys], json, null);
                    }
                    else
                    {
                        puts.Add(PutAsync(seq, json));
                    }
                }, cancellationToken);
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                // How long each reader took from one pass to the next: a late reader would add its lateness to the
                // figures, which are to show the push's.
                var passIntervals = Enumerable.Range(0, ChangeReaders).Select(_ => new LatencyRecorder()).ToArray();
                var readers = Enumerable.Range(0, ChangeReaders).Select(r => Task.Run(async () =>
                {
                    var reads = 0L;
                    var passStartedAt = 0L;
                    while (!reading.IsCancellationRequested)
                    {
                        var now = Stopwatch.GetTimestamp();
                        if (passStartedAt != 0)
                        {
                            passIntervals[r].Add(now - passStartedAt);
                        }

                        passStartedAt = now;
                        // Each reader starts its pass at another key, and rests ~1 ms between passes.
                        for (var n = 0; n < ChangedKeys; n++)
                        {
                            var item = await client.GetAsync<JsonElement>(keys[(n + r * ChangedKeys / ChangeReaders) % ChangedKeys], CancellationToken.None);
                            var readAt = Stopwatch.GetTimestamp();
                            reads++;
                            if (item is not null)
                            {
                                sightings.Observe(item.Value.GetProperty("s").GetInt64(), item.Value.GetProperty("t").GetInt64(), readAt);
                            }
                        }

                        try
                        {
                            await Task.Delay(1, reading.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }

                    return reads;
                }, CancellationToken.None)).ToArray();

                var statisticsBefore = client.NearCacheStatistics;
                await produce;
                producer.Flush(cancellationToken);
                await Task.WhenAll(puts);
                // The last changes have 5 s to show.
                var grace = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
                while (!sightings.AllSeen(total) && Stopwatch.GetTimestamp() < grace)
                {
                    await Task.Delay(10, cancellationToken);
                }

                await reading.CancelAsync();
                var reads = (await Task.WhenAll(readers)).Sum();
                var cacheReads = NearCacheReads.Between(statisticsBefore, client.NearCacheStatistics);
                return new ChangeSeenOutcome(total, sightings.Seen, sightings.Skipped, sightings.LatenciesMs(), sightings.AcknowledgedLatenciesMs(), reads, cacheReads, producer.Failed + putFailures)
                {
                    PassIntervalsMs = LatencyRecorder.MergeMilliseconds(passIntervals),
                };
            },
            o => o.Summary());

        var scenario = string.Create(CultureInfo.InvariantCulture, $"Change → seen by a near-cached reader ({ChangeRate:N0} {sourceName}/s, {ChangedKeys} keys)");
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{sourceName} (from outside the reading client), sent → the first GetAsync of a reader that returns the change; {ChangeReaders} readers read the keys from the near-cache in a loop, resting ~1 ms between passes (p99 {outcome.PassIntervalP99:0.0} ms from one pass to the next, longest {outcome.PassIntervalMax:0} ms; {outcome.Reads:N0} reads, hit ratio {outcome.CacheReads.HitRatio:P2}); {(outcome.AcknowledgedLatenciesMs.Length > 0 ? $"acknowledged to the writer → seen: p50 {outcome.AcknowledgedP50:0.0} ms, p99 {outcome.AcknowledgedP99:0.0} ms (0 when the push beat the answer); " : "")}{outcome.CacheReads.Updates:N0} pushed changes applied to the cache, {outcome.CacheReads.Revalidations:N0} revalidations; {outcome.Seen:N0} of {outcome.Sent:N0} changes seen, {outcome.Skipped:N0} overwritten by the next change of their key before any read (in the percentiles as seen when that one was){(outcome.SendFailures > 0 ? $", {outcome.SendFailures} sends failed" : "")}");
        context.Rows.Add(new ResultRow(scenario, "p50 change → seen, ms", outcome.P50, null, Note: note));
        context.Rows.Add(new ResultRow(scenario, "p99 change → seen, ms", outcome.P99, null, "p99 < 50 ms", outcome.P99 < 50 && outcome.Seen > 0));
        context.Rows.Add(new ResultRow(scenario, "changes never seen", outcome.Sent - outcome.Seen, null, "0", outcome.Sent == outcome.Seen, ShowRatio: false));
        if (outcome.AcknowledgedLatenciesMs.Length > 0)
        {
            context.Rows.Add(new ResultRow(scenario, "p99 write acknowledged → seen, ms", outcome.AcknowledgedP99, null,
                Note: "what a reader waits for beyond the write itself: the push, and for an overwritten change its successor"));
        }
    }

    private void AddRows(string scenario, string metric, ClosedLoopLoad.Outcome ours, ClosedLoopLoad.Outcome baseline, double ratioTarget, string baselineName, double? p99TargetMs, string? note)
    {
        var cpu = string.Create(CultureInfo.InvariantCulture, $"silo CPU {ours.SiloCpuMsPerThousand:0} ms, benchmark process CPU {ours.CallerCpuMsPerThousand:0} ms per 1,000 requests; machine {ours.MachineBusyCores:0.00} of {Environment.ProcessorCount} cores busy");
        var errors = ours.Errors > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {ours.Errors:N0} requests failed") : "";
        context.Rows.Add(new ResultRow(scenario, metric, ours.PerSecond, baseline.PerSecond,
            string.Create(CultureInfo.InvariantCulture, $"≥ {ratioTarget}× {baselineName}"), ours.PerSecond >= ratioTarget * baseline.PerSecond && ours.Errors == 0,
            (note is null ? "" : note + "; ") + cpu + errors));
        context.Rows.Add(new ResultRow(scenario, "p50 latency, ms", ours.P50, baseline.P50));
        context.Rows.Add(p99TargetMs is { } target
            ? new ResultRow(scenario, "p99 latency, ms", ours.P99, baseline.P99, string.Create(CultureInfo.InvariantCulture, $"p99 < {target} ms"), ours.P99 < target)
            : new ResultRow(scenario, "p99 latency, ms", ours.P99, baseline.P99));
    }

    private static async Task<ClosedLoopLoad.Outcome> WriteAllAsync(int callers, int count, Func<int, Task> write, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        var recorders = Enumerable.Range(0, callers).Select(_ => new LatencyRecorder()).ToArray();
        await Task.WhenAll(recorders.Select(recorder => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var before = Stopwatch.GetTimestamp();
                    await write(i);
                    recorder.Add(Stopwatch.GetTimestamp() - before);
                }
            },
            cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new ClosedLoopLoad.Outcome(count, 0, seconds, LatencyRecorder.MergeMilliseconds(recorders));
    }

    private static string Describe(ClosedLoopLoad.Outcome outcome) => string.Create(
        CultureInfo.InvariantCulture,
        $"{outcome.PerSecond:N0} ops/s, p50 {outcome.P50:0.000} ms, p99 {outcome.P99:0.000} ms{(outcome.SiloCpu > TimeSpan.Zero ? $", silo CPU {outcome.SiloCpuMsPerThousand:0} ms, benchmark process CPU {outcome.CallerCpuMsPerThousand:0} ms per 1,000 requests, machine {outcome.MachineBusyCores:0.00} cores busy" : "")}{(outcome.Errors > 0 ? $", {outcome.Errors:N0} errors" : "")}");

    private static string Id(int i) => i.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value of every read key: the same JSON on both sides.</summary>
    private sealed record Product(int Id, string Name, double Price, long Stock, IReadOnlyList<string> Tags)
    {
        private static readonly string[] HotTags = ["hot", "bench"];

        public static Product Of(int id, long stock) => new(id, string.Create(CultureInfo.InvariantCulture, $"product {id}"), 10 + id % 90 + 0.5, stock, HotTags);
    }

    private sealed record ChangeSeenOutcome(long Sent, long Seen, long Skipped, double[] LatenciesMs, double[] AcknowledgedLatenciesMs, long Reads, NearCacheReads CacheReads, long SendFailures)
    {
        public double P50 => LatencyRecorder.Percentile(LatenciesMs, 50);

        public double P99 => LatencyRecorder.Percentile(LatenciesMs, 99);

        /// <summary>Each reader's time from one pass over the keys to the next, sorted, in milliseconds.</summary>
        public double[] PassIntervalsMs { get; init; } = [];

        public double PassIntervalP99 => LatencyRecorder.Percentile(PassIntervalsMs, 99);

        public double PassIntervalMax => PassIntervalsMs.Length > 0 ? PassIntervalsMs[^1] : double.NaN;

        public double AcknowledgedP50 => LatencyRecorder.Percentile(AcknowledgedLatenciesMs, 50);

        public double AcknowledgedP99 => LatencyRecorder.Percentile(AcknowledgedLatenciesMs, 99);

        public string Summary() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Seen:N0} of {Sent:N0} changes seen ({Skipped:N0} overwritten unseen), p50 {P50:0.0} ms, p99 {P99:0.0} ms{(AcknowledgedLatenciesMs.Length > 0 ? $" (write acknowledged → seen: p50 {AcknowledgedP50:0.0} ms, p99 {AcknowledgedP99:0.0} ms)" : "")}, {Reads:N0} reads, hit ratio {CacheReads.HitRatio:P2}, reader passes p99 {PassIntervalP99:0.0} ms apart (longest {PassIntervalMax:0})");
    }
}
