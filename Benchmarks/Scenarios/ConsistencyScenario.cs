using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansHotData.Benchmarks.Baselines;
using OrleansHotData.Benchmarks.Results;
using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Benchmarks.Scenarios;

/// <summary>
/// Kafka records and API writes touching the same keys. Every update increments a field of its own
/// (<c>{"k17":1}</c>, <c>{"a5":1}</c>), so afterwards a missing field is a lost update and a field above 1 a
/// duplicated one. The baseline runs two naive read-modify-write consumers whose partitions overlap (as when a
/// rebalance or a redeployment lets an old owner go on beside the new one) and API-style writers doing GET/modify/SET;
/// the system gets the same records and the same increments through the SDK.
/// </summary>
public sealed class ConsistencyScenario(BenchmarkContext context)
{
    private const int Keys = 50;
    private const int ApiWriters = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var records = context.Options.ConsistencyKafkaRecords;
        var apiWrites = context.Options.ConsistencyApiWrites;
        var random = new Random(11);
        var recordKeys = Enumerable.Range(0, records).Select(_ => random.Next(Keys)).ToArray();
        var apiKeys = Enumerable.Range(0, apiWrites).Select(_ => random.Next(Keys)).ToArray();
        var fields = new List<string>[Keys];
        for (var k = 0; k < Keys; k++)
        {
            fields[k] = [];
        }

        for (var i = 0; i < records; i++)
        {
            fields[recordKeys[i]].Add(KafkaField(i));
        }

        for (var j = 0; j < apiWrites; j++)
        {
            fields[apiKeys[j]].Add(ApiField(j));
        }

        var total = records + apiWrites;
        var baseline = await context.Progress.PhaseAsync(
            "Consistency: baseline (2 overlapping consumers + API read-modify-write)",
            () => RunBaselineAsync(recordKeys, apiKeys, fields, cancellationToken),
            r => r.Summary(total));
        var ours = await context.Progress.PhaseAsync(
            "Consistency: silos (Kafka + SDK increments)",
            () => RunOursAsync(recordKeys, apiKeys, fields, cancellationToken),
            r => r.Summary(total));

        var scenario = string.Create(CultureInfo.InvariantCulture, $"Consistency ({records:N0} Kafka + {apiWrites:N0} API updates, {Keys} keys)");
        context.Rows.Add(new ResultRow(scenario, "lost updates", ours.Lost, baseline.Lost, "0 lost", ours.Lost == 0 && ours.Complete, ShowRatio: false,
            Note: "Baseline: two consumers of different groups whose partitions overlap (3 and 4 read by both), each doing GET/modify/SET per record, beside 4 API-style writers doing the same."));
        context.Rows.Add(new ResultRow(scenario, "duplicated updates", ours.Duplicated, baseline.Duplicated, "0 duplicated", ours.Duplicated == 0, ShowRatio: false));
    }

    private static string KafkaField(int i) => "k" + i.ToString(CultureInfo.InvariantCulture);

    private static string ApiField(int j) => "a" + j.ToString(CultureInfo.InvariantCulture);

    private static string Delta(string field) => $$"""{"{{field}}":1}""";

    private async Task<Outcome> RunBaselineAsync(int[] recordKeys, int[] apiKeys, List<string>[] fields, CancellationToken cancellationToken)
    {
        var topic = context.NewTopic("consistency-baseline");
        var prefix = context.KeyPrefix("consistency-base");
        var redis = context.RedisDatabase;
        var half = BenchmarkContext.Partitions / 2;
        using var first = new NaiveRedisConsumer(context.Kafka.BootstrapServers, "baseline-a-" + topic, topic, [.. Enumerable.Range(0, half + 1)], redis, BaselineWrite.JsonReadModifyWrite);
        using var second = new NaiveRedisConsumer(context.Kafka.BootstrapServers, "baseline-b-" + topic, topic, [.. Enumerable.Range(half - 1, BenchmarkContext.Partitions - half + 1)], redis, BaselineWrite.JsonReadModifyWrite);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new[] { first.RunAsync(stop.Token), second.RunAsync(stop.Token) };

        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5);
        var writers = ApiWritersAsync(apiKeys, (key, delta) => JsonReadModifyWrite.IncrementAsync(redis, prefix + key, delta), cancellationToken);
        for (var i = 0; i < recordKeys.Length; i++)
        {
            producer.Produce(topic, prefix + recordKeys[i].ToString(CultureInfo.InvariantCulture), Delta(KafkaField(i)), "incr");
        }

        producer.Flush(cancellationToken);
        await writers;
        // The consumers are done once neither has applied anything for a while.
        long seen = -1;
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var applied = first.Applied + second.Applied;
            if (applied == seen && applied >= recordKeys.Length)
            {
                break;
            }

            seen = applied;
            await Task.Delay(1000, cancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);

        var documents = new Dictionary<int, JsonElement?>();
        for (var k = 0; k < Keys; k++)
        {
            var value = await redis.StringGetAsync(prefix + k.ToString(CultureInfo.InvariantCulture));
            documents[k] = value.IsNull ? null : JsonDocument.Parse(value.ToString()).RootElement;
        }

        return Count(fields, documents, complete: true);
    }

    private async Task<Outcome> RunOursAsync(int[] recordKeys, int[] apiKeys, List<string>[] fields, CancellationToken cancellationToken)
    {
        var topic = context.Cluster.Topic;
        var prefix = context.KeyPrefix("consistency-ours");
        var client = context.Cluster.Client;
        using var producer = new RecordProducer(context.Kafka.BootstrapServers, lingerMs: 5);
        var writers = ApiWritersAsync(apiKeys, (key, delta) => client.IncrementAsync(prefix + key, JsonDocument.Parse(delta).RootElement, cancellationToken: cancellationToken), cancellationToken);
        for (var i = 0; i < recordKeys.Length; i++)
        {
            producer.Produce(topic, prefix + recordKeys[i].ToString(CultureInfo.InvariantCulture), Delta(KafkaField(i)), "incr");
        }

        producer.Flush(cancellationToken);
        await writers;

        var keys = Enumerable.Range(0, Keys).ToDictionary(k => prefix + k.ToString(CultureInfo.InvariantCulture), k => fields[k]);
        var outcome = await new CompletionPoller(client).WaitAsync(
            [],
            keys.Keys,
            (key, value) => keys[key].All(f => value.TryGetProperty(f, out _)),
            Timeout,
            cancellationToken);

        var values = await client.GetManyAsync<JsonElement>(keys.Keys, fresh: true, cancellationToken);
        var documents = Enumerable.Range(0, Keys).ToDictionary(
            k => k,
            k => values.TryGetValue(prefix + k.ToString(CultureInfo.InvariantCulture), out var item) ? item.Value : (JsonElement?)null);
        return Count(fields, documents, outcome.Incomplete.Count == 0);
    }

    private static Task ApiWritersAsync(int[] apiKeys, Func<string, string, Task> increment, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, ApiWriters).Select(w => Task.Run(
            async () =>
            {
                for (var j = w; j < apiKeys.Length; j += ApiWriters)
                {
                    await increment(apiKeys[j].ToString(CultureInfo.InvariantCulture), Delta(ApiField(j)));
                }
            },
            cancellationToken)));

    private static Outcome Count(List<string>[] fields, Dictionary<int, JsonElement?> documents, bool complete)
    {
        long lost = 0, duplicated = 0;
        for (var k = 0; k < fields.Length; k++)
        {
            foreach (var field in fields[k])
            {
                var applied = documents[k] is { } document && document.TryGetProperty(field, out var count) ? count.GetInt64() : 0;
                lost += applied == 0 ? 1 : 0;
                duplicated += Math.Max(0, applied - 1);
            }
        }

        return new Outcome(complete, lost, duplicated);
    }

    private sealed record Outcome(bool Complete, long Lost, long Duplicated)
    {
        public string Summary(int total) => string.Create(
            CultureInfo.InvariantCulture,
            $"{total:N0} updates: {Lost:N0} lost, {Duplicated:N0} duplicated{(Complete ? "" : " (did not complete in time)")}");
    }
}
