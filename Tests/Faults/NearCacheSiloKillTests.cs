using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansHotData.Client;
using OrleansHotData.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// The silo holding the activations of near-cached keys is killed with SIGKILL while readers read the keys through
/// an SDK client's near-cache and writers write them through that client and through the HTTP API of the other silos.
/// No read may be older than <c>MaxStaleness</c>, and no reader may see a key's version go back.
/// </summary>
[Collection(ProcessClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class NearCacheSiloKillTests(ProcessClusterFixture fixture, ITestOutputHelper output)
{
    private const int KeyCount = 50;
    private const int Readers = 4;

    // Placement normally keeps a key written through a silo's API on that silo; this many tries find the keys when it does not.
    private const int MaxCandidateKeys = 400;

    // Long enough past MaxStaleness that the entries are served on their channel's heartbeats, not on a fresh subscription.
    private static readonly TimeSpan RunBeforeKill = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RunAfterRecovery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Near_cached_reads_stay_within_max_staleness_and_never_go_back_when_the_silo_of_their_keys_is_killed()
    {
        var report = new FaultReport(output);
        var topic = fixture.CreateTopicWithDeadLetters("nearcache");
        await using var cluster = await fixture.StartClusterAsync(topic, silos: 3, output);
        await using var client = await ClientHost.StartAsync(fixture.Redis.ConnectionString, cluster.ClusterId);
        var cacheOptions = client.Services.GetRequiredService<IOptions<HotDataClientOptions>>().Value.NearCache;
        Assert.True(cacheOptions.Enabled, "the client's near-cache should be on");
        var maxStaleness = cacheOptions.MaxStaleness;
        report.Phase($"3 silo processes and an SDK client started (near-cache MaxStaleness {maxStaleness.TotalSeconds:0.###} s)");

        var victim = cluster.Silos[^1];
        var survivors = cluster.Silos.Where(s => s != victim).ToList();
        var origin = Stopwatch.GetTimestamp();
        var (keys, firstVersions) = await WriteKeysActivatedOnAsync(cluster, victim, client);
        report.Phase($"{keys.Count} keys written with their activations on {victim.Name}");

        await using var workload = new NearCacheWorkload(client.Client, keys, Readers, [.. survivors.Select(s => ("http " + s.Name, cluster.Http(s)))]);
        for (var i = 0; i < keys.Count; i++)
        {
            workload.Acknowledged(i, firstVersions[i]);
        }

        workload.Start();
        // Before the kill the cache must serve hits and be kept current by pushes, or the kill tests nothing.
        var started = Stopwatch.GetTimestamp();
        await Eventually.TrueAsync(
            () => Task.FromResult(client.Client.NearCacheStatistics is { Hits: > KeyCount * Readers, Updates: > KeyCount } && workload.EveryKeyWrittenSince(started)),
            TimeSpan.FromSeconds(30),
            "near-cache hits and pushed updates, and a write of every key");
        await Task.Delay(RunBeforeKill);
        var beforeKill = client.Client.NearCacheStatistics;
        report.Phase($"readers and writers running; near-cache before the kill: {beforeKill}");

        var killedAt = Stopwatch.GetTimestamp();
        cluster.Kill(victim);
        // Recovered: every key was written again, so its grain is active on a survivor.
        await Eventually.TrueAsync(() => Task.FromResult(workload.EveryKeyWrittenSince(killedAt)), TimeSpan.FromSeconds(60), "a write of every key after the kill");
        var recoveredAt = Stopwatch.GetTimestamp();
        report.Phase($"every key written again {Stopwatch.GetElapsedTime(killedAt, recoveredAt).TotalSeconds:0.0} s after the kill");

        await Task.Delay(RunAfterRecovery);
        await workload.StopAsync();
        var statistics = client.Client.NearCacheStatistics;
        report.Phase($"workload stopped {RunAfterRecovery.TotalSeconds:0} s after recovery");

        var audit = NearCacheAudit.Check(workload.Reads, workload.Writes, keys, maxStaleness, origin);
        var readsAfterRecovery = workload.Reads.Sum(r => r.Count(read => read.StartedAt > recoveredAt));
        var writesAfterKill = workload.WritesAcknowledgedSince(killedAt);
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"reads: {audit.Reads} ({readsAfterRecovery} after recovery); stale reads (older than {maxStaleness.TotalSeconds:0.###} s): {audit.StaleReads}; " +
            $"worst staleness {audit.WorstStaleness.TotalMilliseconds:0} ms; version regressions: {audit.Regressions}"));
        report.Line($"writes acknowledged: {workload.Writes.Count} ({writesAfterKill} after the kill); {workload.DescribeFailedWrites(origin)}");
        report.Line($"{workload.DescribeFailedReads(origin)}; longest a key went without a successful read: {LongestGapBetweenReads(workload.Reads).TotalSeconds:0.0} s");
        report.Line($"near-cache at the end: {statistics}");
        foreach (var example in audit.Examples)
        {
            report.Line("  " + example);
        }

        Assert.True(beforeKill.Hits > 0, "the readers should have been served from the near-cache before the kill");
        Assert.True(readsAfterRecovery > 0, "the readers should have read after the cluster recovered");
        Assert.True(writesAfterKill > 0, "the writers should have been acknowledged after the kill");
        Assert.Equal(0, audit.StaleReads);
        Assert.Equal(0, audit.Regressions);
    }

    // The longest time between two successful reads of one key, by any reader: how long the kill kept a key unreadable.
    private static TimeSpan LongestGapBetweenReads(IReadOnlyList<IReadOnlyList<NearCacheRead>> readers) =>
        Stopwatch.GetElapsedTime(0, readers
            .SelectMany(r => r)
            .GroupBy(read => read.Key)
            .Select(reads => reads.Select(read => read.StartedAt).Order().ToArray())
            .Select(times => times.Skip(1).Select((time, i) => time - times[i]).DefaultIfEmpty(0).Max())
            .DefaultIfEmpty(0)
            .Max());

    /// <summary>
    /// Writes candidate keys through <paramref name="silo"/>'s HTTP API (a grain called from a silo is placed on that
    /// silo when it can be) until <see cref="KeyCount"/> of them are active there, as the cluster's directory tells.
    /// Returns those keys and the version each was written at.
    /// </summary>
    private async Task<(List<string> Keys, List<long> Versions)> WriteKeysActivatedOnAsync(ProcessCluster cluster, SiloProcess silo, ClientHost client)
    {
        var management = client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var http = cluster.Http(silo);
        var keys = new List<string>();
        var versions = new List<long>();
        var elsewhere = 0;
        for (var candidate = 0; candidate < MaxCandidateKeys && keys.Count < KeyCount; candidate++)
        {
            var key = $"{cluster.ClusterId}-near-{candidate.ToString(CultureInfo.InvariantCulture)}";
            using var content = new StringContent("""{"writer":"setup"}""", Encoding.UTF8, "application/json");
            using var response = await http.PutAsync("/v1/keys/" + Uri.EscapeDataString(key), content);
            response.EnsureSuccessStatusCode();
            var host = await management.GetActivationAddress((GrainReference)client.Services.GetRequiredService<IClusterClient>().GetGrain<IHotDataGrain>(key));
            if (host?.Endpoint.Port == silo.SiloPort)
            {
                keys.Add(key);
                versions.Add(NearCacheWorkload.ParseVersion(response.Headers.ETag));
            }
            else
            {
                elsewhere++;
            }
        }

        if (elsewhere > 0)
        {
            output.WriteLine($"{elsewhere} candidate keys were placed on other silos than {silo.Name} and are not used");
        }

        Assert.True(keys.Count == KeyCount, $"only {keys.Count} of {MaxCandidateKeys} keys written through {silo.Name} were activated there");
        return (keys, versions);
    }
}
