using System.Text.Json.Nodes;
using OrleansHotData.Grains;

namespace OrleansHotData.Tests.Core;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChangeApplierTests
{
    private const int Limit = 1024 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static HotDataEntry Value(string json, long version = 1, DateTimeOffset? expiresAt = null) =>
        new(json, version, Now.AddMinutes(-1), expiresAt, null);

    private static ChangeOutcome Apply(HotDataEntry current, HotDataChange change, int limit = Limit) =>
        ChangeApplier.Apply(current, change, Now, limit);

    private static void AssertJson(string expected, string? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual is null ? null : JsonNode.Parse(actual)), $"expected {expected}, got {actual}");

    [Fact]
    public void Set_on_absent_key_creates_version_1()
    {
        var outcome = Apply(HotDataEntry.Absent, HotDataChange.Set("""{"price":10}"""));

        Assert.Equal(WriteStatus.Applied, outcome.Status);
        Assert.Equal(1, outcome.Entry.Version);
        AssertJson("""{"price":10}""", outcome.Entry.Json);
        Assert.Equal(Now, outcome.Entry.UpdatedAt);
    }

    [Fact]
    public void Every_applied_change_bumps_the_version_by_one()
    {
        var entry = HotDataEntry.Absent;
        var changes = new[]
        {
            HotDataChange.Set("""{"a":1}"""),
            HotDataChange.Patch("""{"b":2}"""),
            HotDataChange.Increment("""{"a":5}"""),
            HotDataChange.Delete(),
            HotDataChange.Set("3"),
        };
        for (var i = 0; i < changes.Length; i++)
        {
            var outcome = Apply(entry, changes[i]);
            Assert.True(outcome.Applied, outcome.Error);
            Assert.Equal(i + 1, outcome.Entry.Version);
            entry = outcome.Entry;
        }
    }

    [Fact]
    public void Expected_version_mismatch_is_a_conflict_and_changes_nothing()
    {
        var current = Value("""{"a":1}""", version: 4);

        var outcome = Apply(current, HotDataChange.Set("""{"a":2}""", expectedVersion: 3));

        Assert.Equal(WriteStatus.VersionConflict, outcome.Status);
        Assert.Same(current, outcome.Entry);
        Assert.Contains("version 4", outcome.Error);
    }

    [Fact]
    public void Matching_expected_version_applies()
    {
        var outcome = Apply(Value("""{"a":1}""", version: 4), HotDataChange.Patch("""{"a":2}""", expectedVersion: 4));

        Assert.Equal(WriteStatus.Applied, outcome.Status);
        Assert.Equal(5, outcome.Entry.Version);
    }

    [Fact]
    public void Expected_version_zero_means_create_only()
    {
        Assert.Equal(WriteStatus.Applied, Apply(HotDataEntry.Absent, HotDataChange.Set("1", expectedVersion: 0)).Status);
        Assert.Equal(WriteStatus.VersionConflict, Apply(Value("1"), HotDataChange.Set("2", expectedVersion: 0)).Status);
    }

    // The examples of RFC 7396, appendix A.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", "{}")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"a":"foo"}""", "null", "null")]
    [InlineData("""{"a":"foo"}""", "\"bar\"", "\"bar\"")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("[1,2]", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("{}", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Patch_follows_RFC_7396(string target, string patch, string expected)
    {
        var outcome = Apply(Value(target), HotDataChange.Patch(patch));

        Assert.True(outcome.Applied, outcome.Error);
        AssertJson(expected, outcome.Entry.Json);
    }

    [Fact]
    public void Patch_on_absent_key_starts_from_nothing()
    {
        var outcome = Apply(HotDataEntry.Absent, HotDataChange.Patch("""{"a":{"b":1,"c":null}}"""));

        AssertJson("""{"a":{"b":1}}""", outcome.Entry.Json);
    }

    [Fact]
    public void Increment_adds_integers_decimals_and_nested_fields()
    {
        var outcome = Apply(
            Value("""{"stock":5,"price":10.10,"stats":{"views":1},"name":"x"}"""),
            HotDataChange.Increment("""{"stock":-2,"price":0.2,"stats":{"views":3,"likes":1},"new":7}"""));

        Assert.True(outcome.Applied, outcome.Error);
        AssertJson("""{"stock":3,"price":10.30,"stats":{"views":4,"likes":1},"name":"x","new":7}""", outcome.Entry.Json);
    }

    [Fact]
    public void Increment_of_a_non_numeric_field_is_refused_and_changes_nothing()
    {
        var current = Value("""{"name":"x","n":1}""");

        var outcome = Apply(current, HotDataChange.Increment("""{"n":1,"name":1}"""));

        Assert.Equal(WriteStatus.Invalid, outcome.Status);
        Assert.Same(current, outcome.Entry);
        Assert.Contains("'name'", outcome.Error);
        Assert.Contains("not a number", outcome.Error);
    }

    [Theory]
    [InlineData("""{"n":"1"}""", "is a string, not a number")]
    [InlineData("""{"n":true}""", "is a boolean, not a number")]
    [InlineData("[1]", "JSON object")]
    [InlineData("{}", "names no fields")]
    public void Increment_with_bad_deltas_is_refused(string deltas, string reason)
    {
        var outcome = Apply(Value("""{"n":1}"""), HotDataChange.Increment(deltas));

        Assert.Equal(WriteStatus.Invalid, outcome.Status);
        Assert.Contains(reason, outcome.Error);
    }

    [Fact]
    public void Increment_of_a_non_object_value_is_refused()
    {
        var outcome = Apply(Value("[1,2]"), HotDataChange.Increment("""{"n":1}"""));

        Assert.Equal(WriteStatus.Invalid, outcome.Status);
        Assert.Contains("an array", outcome.Error);
    }

    [Fact]
    public void Increment_past_long_range_continues_exactly_in_decimal()
    {
        var outcome = Apply(Value($$"""{"n":{{long.MaxValue}}}"""), HotDataChange.Increment("""{"n":1}"""));

        Assert.True(outcome.Applied, outcome.Error);
        AssertJson("""{"n":9223372036854775808}""", outcome.Entry.Json);
    }

    [Fact]
    public void Invalid_json_is_refused()
    {
        var outcome = Apply(HotDataEntry.Absent, HotDataChange.Set("{not json"));

        Assert.Equal(WriteStatus.Invalid, outcome.Status);
        Assert.Contains("not valid JSON", outcome.Error);
    }

    [Fact]
    public void Values_over_the_limit_are_refused_whether_given_or_produced()
    {
        Assert.Equal(WriteStatus.ValueTooLarge, Apply(HotDataEntry.Absent, HotDataChange.Set("\"" + new string('x', 100) + "\""), limit: 50).Status);

        var current = Value("\"" + new string('x', 30) + "\"");
        var grown = Apply(Value("""{"a":"0123456789012345678901234567890"}"""), HotDataChange.Patch("""{"b":"0123456789012345678901234567890"}"""), limit: 60);
        Assert.Equal(WriteStatus.ValueTooLarge, grown.Status);
        Assert.Contains("resulting value", grown.Error);
        Assert.Equal(WriteStatus.Applied, Apply(current, HotDataChange.Set("1"), limit: 60).Status);
    }

    [Fact]
    public void Delete_removes_the_value_and_delete_of_absent_is_not_found()
    {
        var deleted = Apply(Value("1", version: 2), HotDataChange.Delete());
        Assert.Equal(WriteStatus.Applied, deleted.Status);
        Assert.Null(deleted.Entry.Json);
        Assert.Equal(3, deleted.Entry.Version);

        Assert.Equal(WriteStatus.NotFound, Apply(deleted.Entry, HotDataChange.Delete()).Status);
    }

    [Fact]
    public void Ttl_sets_expiry_and_set_without_ttl_clears_it_while_patch_keeps_it()
    {
        var withTtl = Apply(HotDataEntry.Absent, HotDataChange.Set("""{"a":1}""", ttl: TimeSpan.FromSeconds(30))).Entry;
        Assert.Equal(Now.AddSeconds(30), withTtl.ExpiresAt);

        Assert.Equal(Now.AddSeconds(30), Apply(withTtl, HotDataChange.Patch("""{"b":1}""")).Entry.ExpiresAt);
        Assert.Null(Apply(withTtl, HotDataChange.Set("""{"c":1}""")).Entry.ExpiresAt);
    }

    [Fact]
    public void Expired_value_reads_as_absent_and_does_not_take_part_in_changes()
    {
        var expired = Value("""{"n":5}""", version: 3, expiresAt: Now.AddSeconds(-1));

        Assert.False(expired.HasValue(Now));
        Assert.Equal(0, expired.VisibleVersion(Now));
        Assert.Equal(WriteStatus.NotFound, Apply(expired, HotDataChange.Delete()).Status);
        var incremented = Apply(expired, HotDataChange.Increment("""{"n":1}"""));
        AssertJson("""{"n":1}""", incremented.Entry.Json);
        Assert.Null(incremented.Entry.ExpiresAt);
    }

    [Fact]
    public void Non_positive_ttl_is_refused()
    {
        Assert.Equal(WriteStatus.Invalid, Apply(HotDataEntry.Absent, HotDataChange.Set("1", ttl: TimeSpan.Zero)).Status);
    }

    [Fact]
    public void Upstream_versions_not_newer_than_the_applied_one_are_stale()
    {
        var first = Apply(HotDataEntry.Absent, new HotDataChange(ChangeOperation.Set, "1", UpstreamVersion: 10)).Entry;

        Assert.Equal(WriteStatus.Stale, Apply(first, new HotDataChange(ChangeOperation.Set, "2", UpstreamVersion: 10)).Status);
        Assert.Equal(WriteStatus.Stale, Apply(first, new HotDataChange(ChangeOperation.Set, "2", UpstreamVersion: 9)).Status);
        var newer = Apply(first, new HotDataChange(ChangeOperation.Set, "2", UpstreamVersion: 11));
        Assert.Equal(WriteStatus.Applied, newer.Status);
        Assert.Equal(11, newer.Entry.UpstreamVersion);
        Assert.Equal(11, Apply(newer.Entry, HotDataChange.Set("3")).Entry.UpstreamVersion);
    }
}
