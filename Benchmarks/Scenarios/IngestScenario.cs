using System.Diagnostics;
using System.Globalization;
using OrleansHotData.Benchmarks.Baselines;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// Records per second from Kafka into state durable in Redis: the same sequence of <c>incr</c> records (<c>{"n":1}</c>
/// on keys drawn from a distribution) through the silos and through two baselines writing <c>HINCRBY</c>: the classic
/// consumer (one awaited round trip per record, auto-commit) and the tuned loop (one pipelined batch per fetch, commit
/// after). Timed from the first record produced to the last one applied; produced all at once, so the consumer is the
/// limit.
/// </summary>
/// <param name="context">The run.</param>
/// <param name="distribution">The keys the records go to.</param>
/// <param name="tunedTarget">The least ratio of ours to the tuned loop that meets the target.</param>
public sealed class IngestScenario(BenchmarkContext context, KeyDistribution distribution, double tunedTarget)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    // Two tuned loops, each on half of the partitions: one Confluent consumer already fetches far faster than Redis
    // applies, but a single loop leaves its core idle while it waits for Redis and for the commit; a second loop
    // fills those waits, as a user runs one consumer per core. Assigned partitions, so no rebalance is timed.
    private const int TunedConsumers = 2;

    // The naive consumer applies one record per Redis round trip; on a busy machine a full run could take minutes.
    // Past this its rate is what it applied so far, which is as good a measure of a saturated consumer.
    private TimeSpan BaselineCutOff => context.Options.Quick ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(90);
    private const string Increment = """{"n":1}""";

    private string Part => distribution.Name.Split(' ')[0].ToLowerInvariant();

    private string Label => $"Ingest ({distribution.Name}, {distribution.Keys:N0} keys)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var count = context.Options.IngestRecords;
        var sequence = distribution.Sequence(count);
        var expected = new long[distribution.Keys];
        foreach (var index in sequence)
        {
            expected[index]++;
        }

        var classic = context.Options.ClassicBaseline
            ? await context.Progress.PhaseAsync(
                $"{Label}: classic consumer",
                () => RunBaselineAsync("classic", sequence, expected, ClassicConsumers, cancellationToken),
                r => r.Summary())
            : null;
        var tuned = await context.Progress.PhaseAsync(
            $"{Label}: tuned consumer loop",
            () => RunBaselineAsync("tuned", sequence, expected, TunedConsumerLoops, cancellationToken),
            r => r.Summary());
        var ours = await context.Progress.PhaseAsync(
            $"{Label}: silos",
            () => RunOursAsync(sequence, expected, cancellationToken),
            r => r.Summary());

        var oursNote = string.Create(CultureInfo.InvariantCulture,
            $"{count:N0} incr records. Ours: silo CPU {ours.SiloCpuMsPerThousand:0} ms per 1,000 records, {ours.Lost} lost, {ours.Duplicated} duplicated.");
        var ok = ours.Complete && ours.Lost == 0 && ours.Duplicated == 0;
        if (classic is not null)
        {
            AddClassicRow(ours, classic, ok, oursNote);
        }

        context.Rows.Add(new ResultRow(
            Label,
            "records/s, produce → durable in Redis, vs tuned consumer loop",
            ours.PerSecond,
            tuned.PerSecond,
            string.Create(CultureInfo.InvariantCulture, $"≥ {tunedTarget:0.0}× tuned loop, 0 lost"),
            ok && ours.PerSecond >= tunedTarget * tuned.PerSecond,
            string.Create(CultureInfo.InvariantCulture,
                $"{oursNote} Tuned loop ({TunedConsumers} consumers, one pipelined HINCRBY batch per fetch of up to {TunedRedisConsumer.MaxBatchRecords:N0} records, offsets committed after Redis confirmed it; {tuned.Batches:N0} batches, {tuned.Applied / Math.Max(1.0, tuned.Batches):N0} records each on average): {tuned.Lost} lost, {tuned.Duplicated} duplicated.{CutOff(tuned)}")));
    }

    private void AddClassicRow(Outcome ours, Outcome classic, bool ok, string oursNote) =>
        context.Rows.Add(new ResultRow(
            Label,
            "records/s, produce → durable in Redis, vs classic consumer",
            ours.PerSecond,
            classic.PerSecond,
            "≥ 1.0× classic consumer, 0 lost",
            ok && ours.PerSecond >= classic.PerSecond,
            string.Create(CultureInfo.InvariantCulture,
                $"{oursNote} Classic consumer (HINCRBY per record, awaited; auto-commit): {classic.Lost} lost, {classic.Duplicated} duplicated.{CutOff(classic)}")));

    private static string CutOff(Outcome baseline) => baseline.Complete
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $" It was stopped after {baseline.Seconds:0} s with {baseline.Applied:N0} records applied; its rate is over that time.");

    private static IReadOnlyList<IBaselineConsumer> ClassicConsumers(string bootstrapServers, string topic, IDatabase redis) =>
        [new NaiveRedisConsumer(bootstrapServers, "baseline-" + topic, topic, null, redis, BaselineWrite.HashIncrement)];

    private static IReadOnlyList<IBaselineConsumer> TunedConsumerLoops(string bootstrapServers, string topic, IDatabase redis) =>
        [.. Enumerable.Range(0, TunedConsumers).Select(i => new TunedRedisConsumer(
            bootstrapServers,
            "tuned-" + topic,
            topic,
            [.. Enumerable.Range(0, BenchmarkContext.Partitions).Where(p => p % TunedConsumers == i)],
            redis))];

    private async Task<Outcome> RunBaselineAsync(
        string name,
        int[] sequence,
        long[] expected,
        Func<string, string, IDatabase, IReadOnlyList<IBaselineConsumer>> createConsumers,
        CancellationToken cancellationToken)
    {
        var topic = context.NewTopic($"ingest-{name}");
        var prefix = context.KeyPrefix($"ingest-{Part}-{name}");
        var redis = context.RedisDatabase;
        var consumers = createConsumers(context.Kafka.BootstrapServers, topic, redis);
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var loops = consumers.Select(c => c.RunAsync(stop.Token)).ToList();
            foreach (var consumer in consumers)
            {
                await consumer.WaitForAssignmentAsync(TimeSpan.FromSeconds(30));
            }

            long Applied() => consumers.Sum(c => c.Applied);

            using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5);
            var started = Stopwatch.GetTimestamp();
            foreach (var index in sequence)
            {
                producer.Produce(topic, prefix + index.ToString(CultureInfo.InvariantCulture), Increment, "incr");
            }

            producer.Flush(cancellationToken);
            var deadline = started + (long)(BaselineCutOff.TotalSeconds * Stopwatch.Frequency);
            while (Applied() < sequence.Length && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(2, cancellationToken);
            }

            await stop.CancelAsync();
            await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);
            var applied = Applied();
            var complete = applied >= sequence.Length;
            var finished = complete ? consumers.Max(c => c.LastAppliedAt) : Stopwatch.GetTimestamp();

            // What Redis holds: each key's counter against the records produced for it.
            long lost = 0, duplicated = 0, total = 0;
            var batch = redis.CreateBatch();
            var reads = Enumerable.Range(0, expected.Length)
                .Where(i => expected[i] > 0)
                .Select(i => (Index: i, Task: batch.HashGetAsync(prefix + i.ToString(CultureInfo.InvariantCulture), "n")))
                .ToList();
            batch.Execute();
            foreach (var (index, task) in reads)
            {
                var value = await task;
                var actual = value.IsNull ? 0 : (long)value;
                total += actual;
                lost += Math.Max(0, expected[index] - actual);
                duplicated += Math.Max(0, actual - expected[index]);
            }

            if (!complete)
            {
                // Cut off: compare what Redis holds with what the consumers say they wrote.
                lost = Math.Max(0, applied - total);
                duplicated = Math.Max(0, total - applied);
            }

            return new Outcome(applied, sequence.Length, complete, Seconds(started, finished), lost, duplicated, producer.Failed)
            {
                Batches = consumers.OfType<TunedRedisConsumer>().Sum(c => c.Batches),
            };
        }
        finally
        {
            foreach (var consumer in consumers)
            {
                consumer.Dispose();
            }
        }
    }

    /// <summary>
    /// The silos' side alone, on the current cluster: records per second, silo CPU per 1,000 records, and whether
    /// every record was applied exactly once.
    /// </summary>
    public async Task<(double PerSecond, double SiloCpuMsPerThousand, bool ExactlyOnce, string Summary)> RunSilosAsync(CancellationToken cancellationToken)
    {
        var sequence = distribution.Sequence(context.Options.IngestRecords);
        var expected = new long[distribution.Keys];
        foreach (var index in sequence)
        {
            expected[index]++;
        }

        var ours = await RunOursAsync(sequence, expected, cancellationToken);
        return (ours.PerSecond, ours.SiloCpuMsPerThousand, ours.Complete && ours.Lost == 0 && ours.Duplicated == 0, ours.Summary());
    }

    private async Task<Outcome> RunOursAsync(int[] sequence, long[] expected, CancellationToken cancellationToken)
    {
        var topic = context.Cluster.Topic;
        var prefix = context.KeyPrefix($"ingest-{Part}-ours");
        var keys = Enumerable.Range(0, expected.Length).Where(i => expected[i] > 0).ToDictionary(i => prefix + i.ToString(CultureInfo.InvariantCulture), i => expected[i]);
        // Probes: the hottest keys and a random sample, the likeliest to finish last.
        var random = new Random(5);
        var probes = keys.OrderByDescending(kv => kv.Value).Take(16).Select(kv => kv.Key)
            .Concat(keys.Keys.OrderBy(_ => random.Next()).Take(48))
            .Distinct()
            .ToList();

        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5);
        var cpuBefore = context.Cluster.CpuTime();
        var started = Stopwatch.GetTimestamp();
        foreach (var index in sequence)
        {
            producer.Produce(topic, prefix + index.ToString(CultureInfo.InvariantCulture), Increment, "incr");
        }

        producer.Flush(cancellationToken);
        var poller = new CompletionPoller(context.Cluster.Client);
        var outcome = await poller.WaitAsync(
            probes,
            keys.Keys,
            (key, value) => value.TryGetProperty("n", out var n) && n.GetInt64() >= keys[key],
            Timeout,
            cancellationToken);

        var cpu = context.Cluster.CpuTime() - cpuBefore;

        // Every key's counter, read once more: anything above the records produced for it was applied twice.
        long lost = 0, duplicated = 0;
        foreach (var chunk in keys.Keys.Chunk(1000))
        {
            var values = await context.Cluster.Client.GetManyAsync<System.Text.Json.JsonElement>(chunk, fresh: true, cancellationToken);
            foreach (var key in chunk)
            {
                var actual = values.TryGetValue(key, out var item) && item.Value.TryGetProperty("n", out var n) ? n.GetInt64() : 0;
                lost += Math.Max(0, keys[key] - actual);
                duplicated += Math.Max(0, actual - keys[key]);
            }
        }

        var complete = outcome.Incomplete.Count == 0;
        return new Outcome(complete ? sequence.Length : sequence.Length - lost, sequence.Length, complete, Seconds(started, outcome.CompletedAt), lost, duplicated, producer.Failed)
        {
            SiloCpu = cpu,
        };
    }

    private static double Seconds(long from, long to) => (double)(to - from) / Stopwatch.Frequency;

    private sealed record Outcome(long Applied, long Produced, bool Complete, double Seconds, long Lost, long Duplicated, long ProduceFailures)
    {
        public double PerSecond => Applied / Seconds;

        /// <summary>CPU time the silos used for the run (including the completion polls); zero for the baseline.</summary>
        public TimeSpan SiloCpu { get; init; }

        /// <summary>Batches the tuned loop wrote and committed; zero for the others.</summary>
        public long Batches { get; init; }

        public double SiloCpuMsPerThousand => SiloCpu.TotalMilliseconds * 1000 / Applied;

        public string Summary() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Applied:N0} of {Produced:N0} records in {Seconds:0.00} s = {PerSecond:N0}/s{(Complete ? "" : " (cut off)")}{(SiloCpu > TimeSpan.Zero ? $", silo CPU {SiloCpuMsPerThousand:0} ms per 1,000 records" : "")}{(Batches > 0 ? $", {Batches:N0} batches" : "")}, {Lost} lost, {Duplicated} duplicated{(ProduceFailures > 0 ? $", {ProduceFailures} produce failures" : "")}");
    }
}
