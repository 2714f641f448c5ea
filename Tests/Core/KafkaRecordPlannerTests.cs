using System.Collections.Immutable;
using System.Text;
using Orleans.Streaming.Kafka;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Kafka;

namespace OrleansHotData.Tests.Core;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaRecordPlannerTests
{
    private const string Topic = "events";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HotDataOptions Limits = new();

    private static KafkaRecord Record(long offset, string? value, params (string Name, string Value)[] headers) => new()
    {
        Topic = Topic,
        Partition = 3,
        Offset = offset,
        Key = "k",
        Value = value is null ? null : Encoding.UTF8.GetBytes(value),
        Headers = [.. headers.Select(h => new KafkaHeader(h.Name, Encoding.UTF8.GetBytes(h.Value)))],
    };

    // Plans and advances past each record in turn, as the grain does, returning the outcomes.
    private static List<RecordOutcome> Run(KafkaRecordPlanner planner, params KafkaRecord[] records)
    {
        var outcomes = new List<RecordOutcome>();
        foreach (var record in records)
        {
            var plan = planner.Decide(record, Now);
            planner.Advance(plan);
            outcomes.Add(plan.Outcome);
        }

        return outcomes;
    }

    [Fact]
    public void A_delete_of_an_absent_key_records_its_position_and_upstream_version()
    {
        var planner = new KafkaRecordPlanner(new HotDataState(), Limits);

        var outcomes = Run(planner, Record(10, null, (HotDataHeaders.Version, "7")));

        Assert.Equal([RecordOutcome.AlreadyAbsent], outcomes);
        Assert.True(planner.HasUnsavedChanges);
        Assert.Equal(10, planner.Pending.SourceOffsets![KafkaRecordPlanner.SourceName(Topic, 3)]);
        Assert.Equal(7, planner.Pending.UpstreamVersion);
        Assert.Equal(0, planner.Pending.Version);
    }

    [Fact]
    public void A_late_set_older_than_a_delete_of_an_absent_key_does_not_resurrect_it()
    {
        var planner = new KafkaRecordPlanner(new HotDataState(), Limits);

        var outcomes = Run(planner,
            Record(10, null, (HotDataHeaders.Version, "7")),
            Record(11, """{"a":1}""", (HotDataHeaders.Version, "6")));

        Assert.Equal([RecordOutcome.AlreadyAbsent, RecordOutcome.Stale], outcomes);
        Assert.Null(planner.Pending.Json);
        Assert.Equal(11, planner.Pending.SourceOffsets![KafkaRecordPlanner.SourceName(Topic, 3)]);
    }

    [Fact]
    public void A_replayed_delete_of_an_absent_key_cannot_delete_a_value_written_since()
    {
        // Saved after the delete (offset 10) and a set (offset 11); the partition is then read again from offset 10.
        var planner = new KafkaRecordPlanner(new HotDataState(), Limits);
        Run(planner, Record(10, null), Record(11, """{"a":1}"""));
        var replay = new KafkaRecordPlanner(planner.Pending, Limits);

        var outcomes = Run(replay, Record(10, null), Record(11, """{"a":1}"""));

        Assert.Equal([RecordOutcome.Duplicate, RecordOutcome.Duplicate], outcomes);
        Assert.Equal("""{"a":1}""", replay.Pending.Json);
        Assert.False(replay.HasUnsavedChanges);
    }

    [Fact]
    public void A_dead_lettered_record_counts_its_position_and_upstream_version_so_a_replay_skips_it()
    {
        var planner = new KafkaRecordPlanner(new HotDataState(), Limits);

        var plan = planner.Decide(Record(5, "{not json", (HotDataHeaders.Version, "9")), Now);
        Assert.Equal(RecordOutcome.DeadLetter, plan.Outcome);
        Assert.StartsWith("invalid-change:", plan.Reason, StringComparison.Ordinal);
        // The grain advances past a dead letter only once it is written.
        Assert.False(planner.HasUnsavedChanges);
        planner.Advance(plan);

        Assert.Equal(9, planner.Pending.UpstreamVersion);
        Assert.Equal(RecordOutcome.Duplicate, new KafkaRecordPlanner(planner.Pending, Limits).Decide(Record(5, "{not json"), Now).Outcome);
        Assert.Equal(RecordOutcome.Stale, planner.Decide(Record(6, "{}", (HotDataHeaders.Version, "8")), Now).Outcome);
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""", "set", "invalid-change")]
    [InlineData("""{"a":1,"a":2}""", "patch", "invalid-change")]
    [InlineData("""{"a":1,"a":2}""", "incr", "invalid-change")]
    [InlineData("{}", "set", "invalid-ttl", "315360001")]
    [InlineData("{}", "set", "invalid-ttl", "99999999999999999999")]
    [InlineData("{}", "set", "invalid-ttl", "0")]
    public void Records_that_cannot_be_applied_are_dead_lettered_with_their_reason(string value, string operation, string reason, string? ttl = null)
    {
        var headers = new List<(string, string)> { (HotDataHeaders.Operation, operation) };
        if (ttl is not null)
        {
            headers.Add((HotDataHeaders.Ttl, ttl));
        }

        var plan = new KafkaRecordPlanner(new HotDataState { Json = """{"a":0}""", Version = 1 }, Limits)
            .Decide(Record(1, value, [.. headers]), Now);

        Assert.Equal(RecordOutcome.DeadLetter, plan.Outcome);
        Assert.StartsWith(reason + ":", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_with_a_long_legal_time_to_live_is_applied()
    {
        var plan = new KafkaRecordPlanner(new HotDataState(), Limits)
            .Decide(Record(1, """{"a":1}""", (HotDataHeaders.Ttl, "5184000")), Now);

        Assert.Equal(RecordOutcome.Applied, plan.Outcome);
        Assert.Equal(Now.AddDays(60), plan.Entry!.ExpiresAt);
    }

    [Fact]
    public void Applied_records_are_counted_until_saved_and_positions_are_copied_once_per_save()
    {
        var saved = new HotDataState { SourceOffsets = ImmutableDictionary<string, long>.Empty.Add("other/0", 4) };
        var planner = new KafkaRecordPlanner(saved, Limits);

        Run(planner, Record(1, """{"n":1}"""), Record(2, """{"n":2}""", (HotDataHeaders.Operation, "incr")));

        Assert.Equal(2, planner.AppliedSinceSave);
        Assert.Equal("""{"n":3}""", planner.Pending.Json);
        Assert.Equal(2, planner.Pending.Version);
        Assert.Equal(4, planner.Pending.SourceOffsets!["other/0"]);
        var afterFirstSave = planner.Pending.SourceOffsets;
        planner.Saved();
        Assert.Equal(0, planner.AppliedSinceSave);
        Assert.False(planner.HasUnsavedChanges);

        Run(planner, Record(3, """{"n":1}""", (HotDataHeaders.Operation, "incr")));

        // The saved state's positions are never changed in place.
        Assert.Equal(2, afterFirstSave[KafkaRecordPlanner.SourceName(Topic, 3)]);
        Assert.Equal(3, planner.Pending.SourceOffsets![KafkaRecordPlanner.SourceName(Topic, 3)]);
    }
}
