using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// Reads of hot keys with a fixed number of concurrent callers: the SDK's <c>GetAsync</c> and the HTTP API's
/// <c>GET /v1/keys/{key}</c> against StackExchange.Redis <c>GET</c> of the same values. The keys are written first
/// (SDK <c>SetAsync</c> and Redis <c>SET</c> with the same callers), which is reported too.
/// </summary>
public sealed class ReadScenario(BenchmarkContext context)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = context.Options;
        var keys = options.ReadKeys;
        var callers = options.Callers;
        var ours = context.KeyPrefix("read-ours");
        var baseline = context.KeyPrefix("read-base");
        var values = Enumerable.Range(0, keys).Select(Value).ToArray();
        var client = context.Cluster.Client;
        var redis = context.RedisDatabase;

        var writeOurs = await context.Progress.PhaseAsync(
            $"Write: SDK SetAsync of {keys:N0} keys, {callers} callers",
            () => WriteAllAsync(callers, keys, i => client.SetAsync(ours + Id(i), JsonDocument.Parse(values[i]).RootElement, cancellationToken: cancellationToken), cancellationToken),
            Describe);
        var writeBaseline = await context.Progress.PhaseAsync(
            $"Write: Redis SET of {keys:N0} keys, {callers} callers",
            () => WriteAllAsync(callers, keys, i => redis.StringSetAsync(baseline + Id(i), values[i]), cancellationToken),
            Describe);
        context.Rows.Add(new ResultRow($"Write ({callers} callers)", "ops/s, SDK SetAsync vs Redis SET", writeOurs.PerSecond, writeBaseline.PerSecond,
            Note: "Each write of ours is a grain call that persists to Redis before it answers; the keys written here are the ones read below."));

        var redisRead = await context.Progress.PhaseAsync(
            $"Read: Redis GET, {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r => redis.StringGetAsync(baseline + Id(r.Next(keys))), null, cancellationToken),
            Describe);
        var sdkRead = await context.Progress.PhaseAsync(
            $"Read: SDK GetAsync, {callers} callers",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, r => client.GetAsync<JsonElement>(ours + Id(r.Next(keys)), cancellationToken), context.Cluster.CpuTime, cancellationToken),
            Describe);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = callers, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler);
        var endpoints = context.Cluster.HttpEndpoints;
        var httpRead = await context.Progress.PhaseAsync(
            $"Read: HTTP GET, {callers} callers over {endpoints.Count} silos",
            () => ClosedLoopLoad.RunAsync(callers, options.WarmUp, options.Duration, async r =>
            {
                var index = r.Next(keys);
                var url = new Uri(endpoints[index % endpoints.Count], "/v1/keys/" + Uri.EscapeDataString(ours + Id(index)));
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new HttpRequestException($"GET {url}: {(int)response.StatusCode}");
                }

                await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }, context.Cluster.CpuTime, cancellationToken),
            Describe);

        AddRows($"Read, SDK GetAsync ({callers} callers)", sdkRead, redisRead);
        AddRows($"Read, HTTP GET ({callers} callers)", httpRead, redisRead);
    }

    private void AddRows(string scenario, ClosedLoopLoad.Outcome ours, ClosedLoopLoad.Outcome redis)
    {
        context.Rows.Add(new ResultRow(scenario, "ops/s vs Redis GET", ours.PerSecond, redis.PerSecond, "≥ 1.0× Redis GET", ours.PerSecond >= redis.PerSecond && ours.Errors == 0,
            string.Create(CultureInfo.InvariantCulture, $"silo CPU {ours.SiloCpuMsPerThousand:0} ms per 1,000 requests{(ours.Errors > 0 ? $"; {ours.Errors:N0} requests failed" : "")}")));
        context.Rows.Add(new ResultRow(scenario, "p50 latency, ms", ours.P50, redis.P50));
        context.Rows.Add(new ResultRow(scenario, "p99 latency, ms", ours.P99, redis.P99, "p99 < 2 ms", ours.P99 < 2));
    }

    private static async Task<ClosedLoopLoad.Outcome> WriteAllAsync(int callers, int count, Func<int, Task> write, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var next = -1;
        var recorders = Enumerable.Range(0, callers).Select(_ => new LatencyRecorder()).ToArray();
        await Task.WhenAll(recorders.Select(recorder => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var before = System.Diagnostics.Stopwatch.GetTimestamp();
                    await write(i);
                    recorder.Add(System.Diagnostics.Stopwatch.GetTimestamp() - before);
                }
            },
            cancellationToken)));
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new ClosedLoopLoad.Outcome(count, 0, seconds, LatencyRecorder.MergeMilliseconds(recorders));
    }

    private static string Describe(ClosedLoopLoad.Outcome outcome) => string.Create(
        CultureInfo.InvariantCulture,
        $"{outcome.PerSecond:N0} ops/s, p50 {outcome.P50:0.00} ms, p99 {outcome.P99:0.00} ms{(outcome.SiloCpu > TimeSpan.Zero ? $", silo CPU {outcome.SiloCpuMsPerThousand:0} ms per 1,000 requests" : "")}{(outcome.Errors > 0 ? $", {outcome.Errors:N0} errors" : "")}");

    private static string Id(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Value(int i) => string.Create(
        CultureInfo.InvariantCulture,
        $$"""{"id":{{i}},"name":"product {{i}}","price":{{10 + i % 90}}.5,"stock":{{i % 1000}},"tags":["hot","bench"]}""");
}
