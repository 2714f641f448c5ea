using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Orleans.Streaming.Kafka;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Kafka;
using OrleansHotData.Tests.Ingestion;

namespace OrleansHotData.Tests.Core;

/// <summary>
/// The planner against the sequential model: a partition's records, saved now and then and replayed from any point
/// at or before the last save (a crash, a partition move), end in exactly the state of applying each record once.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaRecordPlannerProperties
{
    private const string Key = "k";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Fields = ["a", "b", "c"];

    private sealed record Step(ChangeOperation? Operation, Dictionary<string, long?>? Fields, long? Upstream, KafkaRecord Record);

    private static Step NextStep(Random random, long offset)
    {
        long? upstream = random.Next(3) == 0 ? random.Next(1, 12) : null;
        var headers = new List<KafkaHeader>();
        if (upstream is { } u)
        {
            headers.Add(new KafkaHeader(HotDataHeaders.Version, Encoding.UTF8.GetBytes(u.ToString(CultureInfo.InvariantCulture))));
        }

        ChangeOperation? operation = random.Next(10) switch
        {
            0 or 1 => ChangeOperation.Set,
            2 or 3 => ChangeOperation.Patch,
            4 or 5 or 6 => ChangeOperation.Increment,
            7 or 8 => ChangeOperation.Delete,
            _ => null, // a record that cannot be applied: dead-lettered
        };
        Dictionary<string, long?>? fields = operation switch
        {
            ChangeOperation.Set => Fields.Where(_ => random.Next(2) == 0).ToDictionary(f => f, _ => (long?)random.Next(-50, 50)),
            ChangeOperation.Patch => new() { [Fields[random.Next(3)]] = random.Next(3) == 0 ? null : random.Next(-50, 50) },
            ChangeOperation.Increment => new() { [Fields[random.Next(3)]] = random.Next(-5, 20) },
            _ => null,
        };
        if (operation is ChangeOperation.Patch or ChangeOperation.Increment)
        {
            headers.Add(new KafkaHeader(HotDataHeaders.Operation, Encoding.UTF8.GetBytes(operation == ChangeOperation.Patch ? "patch" : "incr")));
        }

        var value = operation switch
        {
            null => "{not json",
            ChangeOperation.Delete => null,
            _ => JsonSerializer.Serialize(fields),
        };
        var record = new KafkaRecord
        {
            Topic = "t",
            Partition = 0,
            Offset = offset,
            Key = Key,
            Value = value is null ? null : Encoding.UTF8.GetBytes(value),
            Headers = [.. headers],
        };
        return new Step(operation, fields, upstream, record);
    }

    [Property(MaxTest = 300)]
    public Property Records_saved_and_replayed_from_any_earlier_point_apply_exactly_once(int seed)
    {
        var random = new Random(seed);
        var steps = Enumerable.Range(0, random.Next(1, 60)).Select(i => NextStep(random, i)).ToList();
        var model = new SequentialModel();
        foreach (var step in steps)
        {
            if (step.Operation is { } operation)
            {
                model.Apply(Key, operation, step.Fields, step.Upstream);
            }
            else
            {
                model.DeadLettered(Key, step.Upstream);
            }
        }

        var limits = new HotDataOptions();
        var saved = new HotDataState();
        var lastSavedIndex = -1;
        var planner = new KafkaRecordPlanner(saved, limits);
        var next = 0;
        var crashes = 0;
        while (next < steps.Count)
        {
            planner.Advance(planner.Decide(steps[next].Record, Now));
            next++;
            if (random.Next(4) == 0)
            {
                saved = planner.Pending;
                planner.Saved();
                lastSavedIndex = next - 1;
            }

            if (crashes < 5 && random.Next(6) == 0)
            {
                // Memory is lost; delivery starts again anywhere up to just after the last saved record.
                crashes++;
                planner = new KafkaRecordPlanner(saved, limits);
                next = random.Next(0, lastSavedIndex + 2);
            }
        }

        var state = planner.Pending;
        var expected = model.Keys.GetValueOrDefault(Key);
        var expectedJson = expected?.Value is null ? null : JsonSerializer.Serialize(expected.Value);
        var actual = state.Json is null ? null : JsonSerializer.Deserialize<Dictionary<string, long>>(state.Json);
        var sameValue = expected?.Value is null
            ? state.Json is null
            : actual is not null && actual.Count == expected.Value.Count && expected.Value.All(kv => actual.GetValueOrDefault(kv.Key, long.MinValue) == kv.Value);
        var positionRecorded = state.SourceOffsets?.GetValueOrDefault(KafkaRecordPlanner.SourceName("t", 0)) == steps.Count - 1;
        return (sameValue && state.Version == (expected?.Version ?? 0) && positionRecorded)
            .Label($"seed {seed}, {crashes} replays: expected v{expected?.Version ?? 0} {expectedJson}, got v{state.Version} {state.Json}, position recorded: {positionRecorded}");
    }
}
