using System.Text.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>The cluster, fed through Kafka, ends in exactly the state of a sequential model of the same records.</summary>
[Collection(KafkaIngestionDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class ModelEquivalenceTests(KafkaIngestionFixture fixture)
{
    private const int RecordCount = 100_000;
    private const int KeyCount = 1_000;
    private static readonly string[] Fields = ["a", "b", "c"];

    [Fact]
    public async Task Hundred_thousand_mixed_records_over_a_thousand_keys_match_a_sequential_model()
    {
        var random = new Random(20261126);
        var prefix = $"model-{Guid.NewGuid():N}"[..14];
        var keys = Enumerable.Range(0, KeyCount).Select(i => $"{prefix}-{i}").ToArray();
        // A fifth of the keys carry upstream versions; some of their records repeat an old version and are stale.
        var versioned = keys.Where((_, i) => i % 5 == 0).ToHashSet();
        var nextUpstream = keys.ToDictionary(k => k, _ => 1L);
        var model = new SequentialModel();

        var pending = new List<Task>(RecordCount);
        for (var i = 0; i < RecordCount; i++)
        {
            // A Zipf-like skew: a handful of keys are hot.
            var key = keys[(int)(KeyCount * Math.Pow(random.NextDouble(), 3))];
            long? upstream = null;
            if (versioned.Contains(key))
            {
                upstream = random.Next(10) == 0 ? Math.Max(1, nextUpstream[key] - random.Next(1, 4)) : nextUpstream[key]++;
            }

            var headers = upstream is { } u ? new List<(string, string)> { (HotDataHeaders.Version, u.ToString(System.Globalization.CultureInfo.InvariantCulture)) } : [];
            var roll = random.Next(100);
            string? value;
            if (roll < 15)
            {
                var set = Fields.Where(_ => random.Next(2) == 0).ToDictionary(f => f, _ => (long)random.Next(-1000, 1000));
                value = JsonSerializer.Serialize(set);
                model.Set(key, set, upstream);
            }
            else if (roll < 35)
            {
                var patch = new Dictionary<string, long?> { [Fields[random.Next(Fields.Length)]] = random.Next(3) == 0 ? null : random.Next(-1000, 1000) };
                value = JsonSerializer.Serialize(patch);
                headers.Add((HotDataHeaders.Operation, "patch"));
                model.Patch(key, patch, upstream);
            }
            else if (roll < 95)
            {
                var deltas = new Dictionary<string, long> { [Fields[random.Next(Fields.Length)]] = random.Next(-5, 20) };
                value = JsonSerializer.Serialize(deltas);
                headers.Add((HotDataHeaders.Operation, "incr"));
                model.Increment(key, deltas, upstream);
            }
            else
            {
                value = null;
                model.Delete(key, upstream);
            }

            pending.Add(fixture.ProduceAsync(fixture.Topic, key, value, [.. headers]));
        }

        await Task.WhenAll(pending);
        Assert.Contains(model.Keys.Values, k => k.StaleSkipped > 0);

        var mismatches = await Eventually.ReturnsAsync(
            () => MismatchesAsync(model),
            m => m.Count == 0,
            TimeSpan.FromMinutes(4),
            "the cluster to match the model");
        Assert.Empty(mismatches);
    }

    private async Task<List<string>> MismatchesAsync(SequentialModel model)
    {
        var values = await fixture.ClientHost.Client.GetManyAsync<Dictionary<string, long>>(model.Keys.Keys);
        var mismatches = new List<string>();
        foreach (var (key, expected) in model.Keys)
        {
            values.TryGetValue(key, out var actual);
            if (expected.Value is null)
            {
                if (actual is not null)
                {
                    mismatches.Add($"{key}: expected absent, got v{actual.Version}");
                }
            }
            else if (actual is null
                || actual.Version != expected.Version
                || actual.Value.Count != expected.Value.Count
                || expected.Value.Any(kv => actual.Value.GetValueOrDefault(kv.Key, long.MinValue) != kv.Value))
            {
                mismatches.Add($"{key}: expected v{expected.Version} {JsonSerializer.Serialize(expected.Value)}, got {(actual is null ? "absent" : $"v{actual.Version} {JsonSerializer.Serialize(actual.Value)}")}");
            }
        }

        return mismatches;
    }
}
