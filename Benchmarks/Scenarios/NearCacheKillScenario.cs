using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;
using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// The near-cache's bounds while a silo dies: readers read keys through the SDK's near-cache while writers change them
/// through HTTP (from outside the client, so the changes reach its cache only by the grains' pushes), and one silo is
/// killed with SIGKILL halfway. Counts reads older than <c>MaxStaleness</c> (a read that started at t and returned
/// version v while a version above v had been acknowledged before t − MaxStaleness) and reads going back in version.
/// Runs last: it leaves its cluster one silo short.
/// </summary>
public sealed class NearCacheKillScenario(BenchmarkContext context)
{
    private const int Keys = 200;
    private const int ReadersPerKey = 2;
    private const int Writers = 8;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var client = context.Cluster.Client;
        var maxStaleness = new HotDataNearCacheOptions().MaxStaleness;
        var before = context.Options.Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(5);
        var after = context.Options.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);
        var prefix = context.KeyPrefix("kill");
        var keys = Enumerable.Range(0, Keys).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var endpoints = context.Cluster.HttpEndpoints;
        var victim = context.Cluster.Silos.Count - 1;
        var audit = new StalenessAudit(Keys, maxStaleness);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Writers, UseProxy = false, UseCookies = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };

        var outcome = await context.Progress.PhaseAsync(
            $"Near-cache under a silo kill -9: {ReadersPerKey} SDK readers per key and {Writers} HTTP writers on {Keys} keys; silo {victim} killed after {before.TotalSeconds:0} s, {after.TotalSeconds:0} s more",
            async () =>
            {
                // Every key has a value, and is cached, before the measurement.
                var liveEndpoint = 0;
                for (var i = 0; i < Keys; i++)
                {
                    var version = await PutAsync(http, endpoints[i % endpoints.Count], keys[i], 0, cancellationToken) ?? throw new InvalidOperationException($"The first write of {keys[i]} failed.");
                    audit.Acknowledged(i, version, Stopwatch.GetTimestamp());
                    await client.GetAsync<JsonElement>(keys[i], cancellationToken);
                }

                var statisticsBefore = client.NearCacheStatistics;
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                long writes = 0, writeFailures = 0, readFailures = 0;
                var longestReadTicks = 0L;
                var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
                {
                    // Writer w alone writes the keys w, w + Writers, …, one write at a time: its acknowledgements of a
                    // key come in version order.
                    var n = 0L;
                    var endpoint = w % endpoints.Count;
                    while (!stop.IsCancellationRequested)
                    {
                        for (var i = w; i < Keys && !stop.IsCancellationRequested; i += Writers)
                        {
                            var version = await PutAsync(http, endpoints[endpoint], keys[i], ++n, CancellationToken.None);
                            if (version is { } v)
                            {
                                audit.Acknowledged(i, v, Stopwatch.GetTimestamp());
                                Interlocked.Increment(ref writes);
                            }
                            else
                            {
                                // Unanswered: the write may or may not have happened; it acknowledges nothing.
                                Interlocked.Increment(ref writeFailures);
                                endpoint = Volatile.Read(ref liveEndpoint);
                            }

                            await Task.Delay(2, CancellationToken.None);
                        }
                    }
                }, CancellationToken.None)).ToArray();
                // Readers per key, so that a read waiting for a grain on the dead silo holds up that key alone.
                // When each key was last read, the longest a key went without a read answered (waits and failures
                // alike), and why reads failed.
                var lastReadAt = new long[Keys];
                var longestGap = new long[Keys];
                var failures = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
                var readers = Enumerable.Range(0, Keys * ReadersPerKey).Select(r => Task.Run(async () =>
                {
                    var i = r % Keys;
                    var seen = 0L;
                    while (!stop.IsCancellationRequested)
                    {
                        var startedAt = Stopwatch.GetTimestamp();
                        try
                        {
                            var item = await client.GetAsync<JsonElement>(keys[i], CancellationToken.None);
                            var took = Stopwatch.GetTimestamp() - startedAt;
                            InterlockedMax(ref longestReadTicks, took);
                            var answeredAt = startedAt + took;
                            var previous = Interlocked.Exchange(ref lastReadAt[i], answeredAt);
                            if (previous > 0)
                            {
                                InterlockedMax(ref longestGap[i], answeredAt - previous);
                            }

                            if (item is not null)
                            {
                                audit.Read(i, item.Version, startedAt, seen);
                                seen = Math.Max(seen, item.Version);
                            }
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            InterlockedMax(ref longestReadTicks, Stopwatch.GetTimestamp() - startedAt);
                            Interlocked.Increment(ref readFailures);
                            failures.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
                        }

                        await Task.Delay(2, CancellationToken.None);
                    }
                }, CancellationToken.None)).ToArray();

                await Task.Delay(before, cancellationToken);
                var readsBeforeKill = audit.Reads;
                Volatile.Write(ref liveEndpoint, victim == 0 ? 1 : 0);
                for (var i = 0; i < Keys; i++)
                {
                    // Every key's gap is counted from the kill at the latest.
                    InterlockedMax(ref lastReadAt[i], Stopwatch.GetTimestamp());
                }

                context.Cluster.Silos[victim].Kill();
                context.Progress.Note($"killed silo {victim} (pid {context.Cluster.Silos[victim].Id}) with SIGKILL");
                await Task.Delay(after, cancellationToken);
                // Every key should be read again by then, its grain activated anew on the surviving silo.
                var end = Stopwatch.GetTimestamp();
                var recentFrom = end - 5 * Stopwatch.Frequency;
                var keysReadLately = lastReadAt.Count(at => at > recentFrom);
                // A key still waiting at the end has gone without a read since its last one.
                var gaps = lastReadAt.Zip(longestGap, (last, gap) => Stopwatch.GetElapsedTime(0, Math.Max(gap, end - last))).ToArray();
                await stop.CancelAsync();
                await Task.WhenAll(writers.Concat(readers));
                return new KillOutcome(
                    audit.Reads, readsBeforeKill, audit.StaleReads, audit.BackwardReads, audit.WorstLag, writes, writeFailures, readFailures,
                    Stopwatch.GetElapsedTime(0, longestReadTicks), NearCacheReads.Between(statisticsBefore, client.NearCacheStatistics),
                    client.NearCacheStatistics.Invalidations - statisticsBefore.Invalidations, keysReadLately,
                    gaps.Count(g => g > maxStaleness),
                    gaps.Max(),
                    string.Join(", ", failures.OrderByDescending(f => f.Value).Take(3).Select(f => $"{f.Key} ×{f.Value:N0}")));
            },
            o => o.Summary());

        var scenario = string.Create(CultureInfo.InvariantCulture, $"Near-cache under a silo kill -9 ({Keys} keys, {ReadersPerKey} readers per key, {Writers} writers)");
        var note = string.Create(CultureInfo.InvariantCulture,
            $"MaxStaleness {maxStaleness.TotalMilliseconds:0} ms; {outcome.Summary()}");
        context.Rows.Add(new ResultRow(scenario, "reads older than MaxStaleness", outcome.Stale, null, "0", outcome.Stale == 0 && outcome.Reads > outcome.ReadsBeforeKill, note, ShowRatio: false));
        context.Rows.Add(new ResultRow(scenario, "reads going back in version", outcome.Backward, null, "0", outcome.Backward == 0, ShowRatio: false));
        context.Rows.Add(new ResultRow(scenario, "longest a key went without a read answered, s", outcome.LongestGap.TotalSeconds, null,
            Note: string.Create(CultureInfo.InvariantCulture, $"availability, not staleness: reads of keys whose grain was on the killed silo wait or fail until the cluster has declared it dead; {outcome.KeysWithGaps} of {Keys} keys went longer than MaxStaleness")));
    }

    /// <summary>PUTs <c>{"n":n}</c>; the version acknowledged, or <see langword="null"/> when the write was not answered with success.</summary>
    private static async Task<long?> PutAsync(HttpClient http, Uri endpoint, string key, long n, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new StringContent(string.Create(CultureInfo.InvariantCulture, $$"""{"n":{{n}}}"""), Encoding.UTF8, "application/json");
            using var response = await http.PutAsync(new Uri(endpoint, "/v1/keys/" + Uri.EscapeDataString(key)), content, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK && response.Headers.ETag is { } etag && Version(etag) is { } version ? version : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static long? Version(EntityTagHeaderValue etag) =>
        long.TryParse(etag.Tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }

    private sealed record KillOutcome(
        long Reads, long ReadsBeforeKill, long Stale, long Backward, TimeSpan WorstLag, long Writes, long WriteFailures, long ReadFailures,
        TimeSpan LongestRead, NearCacheReads CacheReads, long Invalidations, int KeysReadLately, int KeysWithGaps, TimeSpan LongestGap, string FailureKinds)
    {
        public string Summary() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Reads:N0} reads ({ReadsBeforeKill:N0} before the kill), {Stale:N0} older than the bound{(Stale > 0 ? $" (worst {WorstLag.TotalMilliseconds:0} ms behind)" : "")}, {Backward:N0} back in version, {ReadFailures:N0} failed{(ReadFailures > 0 ? $" ({FailureKinds})" : "")}, longest {LongestRead.TotalMilliseconds:0} ms; {KeysWithGaps} of {Keys} keys went longer than MaxStaleness without a read answered, the longest {LongestGap.TotalSeconds:0.0} s; {KeysReadLately} read in the last 5 s; {Writes:N0} writes acknowledged, {WriteFailures:N0} unanswered; near-cache: hit ratio {CacheReads.HitRatio:P1}, {CacheReads.Revalidations:N0} revalidations, {Invalidations:N0} invalidations");
    }
}
