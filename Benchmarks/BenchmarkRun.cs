using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansHotData.Benchmarks.Infrastructure;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Scenarios;
using OrleansHotData.Benchmarks.Workloads;
using OrleansHotData.Cluster;
using OrleansHotData.EmbeddedKafka;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks;

/// <summary>One run: start the parts, run the chosen scenarios, stop the parts, report.</summary>
public static class BenchmarkRun
{
    private const int Silos = 2;

    public static async Task<ResultsReport> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var progress = new ProgressLog();
        var output = OutputDirectory();
        var logs = Path.Combine(output, "logs");
        Directory.CreateDirectory(logs);

        // The broker first: it points Confluent.Kafka at the librdkafka that loads here before any client exists.
        using var kafka = await progress.PhaseAsync(
            "Start the embedded Kafka broker (in this process)",
            () => Task.FromResult(EmbeddedKafkaCluster.Start()),
            k => k.BootstrapServers);
        // The system and the baselines write to this same server, so neither pays for disk.
        await using var redis = await progress.PhaseAsync(
            "Start redis-server (persistence off)",
            () => RedisProcess.StartAsync(new RedisOptions { LogPath = Path.Combine(logs, "redis.log") }, cancellationToken),
            r => $"{r.ConnectionString} (pid {r.Process!.Id})");
        await using var redisConnection = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},abortConnect=true,connectTimeout=5000,allowAdmin=true");
        // Each scenario gets a fresh silo cluster reading a fresh topic, as each baseline run gets a fresh topic: the
        // embedded broker looks a fetch's offset up by walking the partition's batches from the oldest, so a topic
        // that earlier scenarios filled makes every later fetch from it slower, and would handicap the silos alone.
        var clusters = 0;
        BenchmarkContext? context = null;
        async Task<SiloCluster> StartClusterAsync(string scenario)
        {
            var siloTopic = $"bench.silos.{Guid.NewGuid().ToString("N")[..6]}.{scenario}";
            kafka.CreateTopic(siloTopic, BenchmarkContext.Partitions);
            kafka.CreateTopic(siloTopic + ".dlq", BenchmarkContext.Partitions);
            kafka.CreateTopic(siloTopic + ".changes", BenchmarkContext.Partitions);
            var clusterLogs = Path.Combine(logs, string.Create(CultureInfo.InvariantCulture, $"{++clusters}-{scenario}"));
            Directory.CreateDirectory(clusterLogs);
            return await progress.PhaseAsync(
                $"Start {Silos} silo processes and an SDK client for {scenario}",
                () => SiloCluster.StartAsync(Silos, redis.ConnectionString, kafka.BootstrapServers, siloTopic, BenchmarkContext.Partitions, clusterLogs, options.SiloAssembly, cancellationToken, context?.ClusterSettings),
                c => string.Join(", ", c.Silos.Select((s, i) => $"silo {i} pid {s.Id} {c.HttpEndpoints[i]}")));
        }

        var scenarios = BenchmarkOptions.AllScenarios.Where(options.Scenarios.Contains).ToList();
        if (scenarios.Count == 0)
        {
            throw new InvalidOperationException("No scenario was chosen.");
        }

        context = new BenchmarkContext(options, kafka, redis, redisConnection, await StartClusterAsync(scenarios[0]), progress);
        Task WarmUpClusterAsync() =>
            progress.PhaseAsync("Warm up (cluster formed, Kafka partitions spread, code paths jitted)", () => WarmUpAsync(context, cancellationToken));
        context.RestartClusterAsync = async label =>
        {
            await context.Cluster.DisposeAsync();
            context.UseCluster(await StartClusterAsync(label));
            await WarmUpClusterAsync();
        };
        try
        {
            await WarmUpClusterAsync();
            for (var i = 0; i < scenarios.Count; i++)
            {
                if (i > 0)
                {
                    await context.RestartClusterAsync(scenarios[i]);
                }

                await RunScenarioAsync(scenarios[i], context, cancellationToken);
            }
        }
        catch
        {
            await context.Cluster.DisposeAsync();
            throw;
        }

        context.Notes.Add($"Redis: one redis-server for the system and the baselines, persistence off (no RDB, no AOF). Kafka: the embedded broker (librdkafka's mock cluster) in the benchmark process, {BenchmarkContext.Partitions} partitions per topic; each scenario's silo cluster reads a fresh topic, and each baseline run gets a fresh one. Silos: {Silos} processes of the Release build on loopback, authentication and rate limit off.");
        context.Notes.Add("Everything runs on one machine: the benchmark process (producer, baseline consumers, callers), the broker, Redis and the silos share its cores.");
        var report = new ResultsReport(MachineInfo.Current(), options.CommandLine, started, context.Rows, context.Notes);
        await progress.PhaseAsync("Stop the silos, redis-server and the broker", async () =>
        {
            await context.Cluster.DisposeAsync();
            await redisConnection.DisposeAsync();
            await redis.DisposeAsync();
            kafka.Dispose();
            return "stopped";
        });
        return report;
    }

    /// <summary>Where results and logs of the benchmark go: <c>.hotdata/bench</c>.</summary>
    public static string OutputDirectory() => Path.Combine(RepositoryLayout.StateDirectory(), "bench");

    private static Task RunScenarioAsync(string scenario, BenchmarkContext context, CancellationToken cancellationToken) => scenario switch
    {
        "ingest" => RunIngestAsync(context, cancellationToken),
        "changelog" => new ChangelogCostScenario(context).RunAsync(cancellationToken),
        "consistency" => new ConsistencyScenario(context).RunAsync(cancellationToken),
        "read" => new ReadScenario(context).RunAsync(cancellationToken),
        "freshness" => new FreshnessScenario(context).RunAsync(cancellationToken),
        "memory" => new MemoryScenario(context).RunAsync(cancellationToken),
        "near-cache-kill" => new NearCacheKillScenario(context).RunAsync(cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
    };

    private static async Task RunIngestAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        // The targets against the tuned loop: half its rate on uniform keys, its rate on hot keys, where records of a
        // key that queue up are applied together.
        await new IngestScenario(context, KeyDistribution.Uniform(context.Options.IngestKeys, seed: 1), tunedTarget: 0.5).RunAsync(cancellationToken);
        await new IngestScenario(context, KeyDistribution.Zipf(context.Options.IngestKeys, 0.99, seed: 2), tunedTarget: 1.0).RunAsync(cancellationToken);
    }

    /// <summary>Waits until both silos are in the cluster and have taken their share of partitions, and exercises every path once.</summary>
    private static async Task<string> WarmUpAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var client = context.Cluster.Client;
        var prefix = context.KeyPrefix("warmup");
        var keys = Enumerable.Range(0, 200).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList();
        await Parallel.ForEachAsync(keys, cancellationToken, async (key, token) =>
        {
            await client.SetAsync(key, new { n = 0 }, cancellationToken: token);
            // Both read paths: the grain call, and the near-cache (a miss that subscribes the key, then a hit).
            await client.GetAsync<JsonElement>(key, fresh: true, token);
            await client.GetAsync<JsonElement>(key, token);
            await client.GetAsync<JsonElement>(key, token);
        });

        // Partitions move to the second silo when it joins; records on a moving partition wait for the move.
        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5);
        for (var round = 1; round <= 3; round++)
        {
            foreach (var key in keys)
            {
                producer.Produce(context.Cluster.Topic, key, """{"n":1}""", "incr");
            }

            producer.Flush(cancellationToken);
            var expected = round;
            var outcome = await new CompletionPoller(client).WaitAsync(
                [], keys, (_, value) => value.GetProperty("n").GetInt64() >= expected, TimeSpan.FromMinutes(2), cancellationToken);
            if (outcome.Incomplete.Count > 0)
            {
                throw new TimeoutException($"Kafka records did not reach {outcome.Incomplete.Count} warm-up keys in time; see the silo logs.");
            }
        }

        var fed = await FeedWarmUpRecordsAsync(context, producer, cancellationToken);
        var settled = await SettleAsync(context, cancellationToken);

        using var http = new HttpClient();
        foreach (var endpoint in context.Cluster.HttpEndpoints)
        {
            using var response = await http.GetAsync(new Uri(endpoint, "/v1/keys/" + Uri.EscapeDataString(keys[0])), cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        return string.Create(CultureInfo.InvariantCulture, $"{keys.Count} keys written, read and fed through Kafka; {fed:N0} more records ingested; {settled}");
    }

    // After the warm-up the silos keep working for seconds (the JIT's background tiering, GC, timers). A baseline
    // measured then shares the cores with that work: the tuned loop's sub-second run lost up to half of its rate to it.
    // Wait until the silos use less than 0.3 of a core over half a second — idle, two silos still use about 0.25, mostly
    // their pulling agents looking at 8 partitions every 10 ms — or give up after 30 s and say so.
    private static async Task<string> SettleAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromMilliseconds(500);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var before = context.Cluster.CpuTime();
            await Task.Delay(window, cancellationToken);
            var cores = (context.Cluster.CpuTime() - before) / window;
            var waited = Stopwatch.GetElapsedTime(started);
            if (cores < 0.3)
            {
                return string.Create(CultureInfo.InvariantCulture, $"silos idle after {waited.TotalSeconds:0.0} s");
            }

            if (waited > TimeSpan.FromSeconds(30))
            {
                return string.Create(CultureInfo.InvariantCulture, $"silos still using {cores:0.00} cores after {waited.TotalSeconds:0} s");
            }
        }
    }

    // A silo seconds old spends much of its CPU in the JIT (tiered compilation with dynamic PGO recompiles the hot paths
    // after they have run enough): measured right away, a scenario would time the compiler. Enough records through the
    // ingest path, over as many keys as the ingest scenario uses, bring the hot code to its final tier first.
    private static async Task<int> FeedWarmUpRecordsAsync(BenchmarkContext context, RecordProducer producer, CancellationToken cancellationToken)
    {
        var count = context.Options.WarmUpRecords;
        if (count == 0)
        {
            return 0;
        }

        var prefix = context.KeyPrefix("warmup-ingest");
        var keys = Enumerable.Range(0, context.Options.IngestKeys).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList();
        for (var i = 0; i < count; i++)
        {
            producer.Produce(context.Cluster.Topic, keys[i % keys.Count], """{"n":1}""", "incr");
        }

        producer.Flush(cancellationToken);
        var fed = keys.Select((key, i) => (key, Expected: (count / keys.Count) + (i < count % keys.Count ? 1 : 0))).Where(k => k.Expected > 0).ToDictionary(k => k.key, k => (long)k.Expected);
        var outcome = await new CompletionPoller(context.Cluster.Client).WaitAsync(
            [.. fed.Keys.Take(64)], [.. fed.Keys], (key, value) => value.GetProperty("n").GetInt64() >= fed[key], TimeSpan.FromMinutes(4), cancellationToken);
        if (outcome.Incomplete.Count > 0)
        {
            throw new TimeoutException($"{outcome.Incomplete.Count} warm-up keys did not reach their count in time; see the silo logs.");
        }

        return count;
    }
}
