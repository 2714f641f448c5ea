using OrleansHotData.Grains;

namespace OrleansHotData.Tests.Core;

/// <summary>
/// The documents and times to live every way in takes alike: duplicate member names, lone surrogates and nesting past
/// 64 levels are refused, and a time to live up to the maximum (10 years by default) is accepted.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class InputRulesTests
{
    private const int Limit = 1024 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HotDataEntry Existing = new("""{"a":1,"n":{"x":1}}""", 3, Now.AddMinutes(-1), null, null);

    public static TheoryData<string> RefusedDocuments => new()
    {
        """{"a":1,"a":2}""",
        """{"x":{"b":1,"b":2}}""",
        """[{"q":1},{"q":2,"q":3}]""",
        """{"\u0061":1,"a":2}""",
        """{"s":"\ud800"}""",
        """{"\udc00":1}""",
        """["ok","\udbff"]""",
        new string('[', 65) + new string(']', 65),
    };

    [Theory]
    [MemberData(nameof(RefusedDocuments))]
    public void Documents_with_duplicate_names_lone_surrogates_or_too_deep_nesting_are_refused(string json)
    {
        Assert.NotNull(HotDataJson.Validate(json));
    }

    [Theory]
    [MemberData(nameof(RefusedDocuments))]
    public void Every_operation_refuses_such_a_document_as_invalid_and_changes_nothing(string json)
    {
        foreach (var change in new[] { HotDataChange.Set(json), HotDataChange.Patch(json), HotDataChange.Increment(json) })
        {
            var outcome = ChangeApplier.Apply(Existing, change, Now, Limit);
            Assert.Equal(WriteStatus.Invalid, outcome.Status);
            Assert.False(string.IsNullOrWhiteSpace(outcome.Error));
            Assert.Same(Existing, outcome.Entry);
        }
    }

    [Theory]
    [InlineData("""{"s":"\ud83d\ude00 \u00e9"}""")]
    [InlineData("""{"a":[{"a":1},{"a":2}]}""")]
    [InlineData("""{"big":1e400,"tiny":5e-324,"neg":-0}""")]
    [InlineData("{\r\n\t\"pretty\": [\r\n\t\t1,\r\n\t\t2\r\n\t]\r\n}")]
    public void Legal_unusual_documents_are_accepted(string json)
    {
        Assert.Null(HotDataJson.Validate(json));
        Assert.Equal(WriteStatus.Applied, ChangeApplier.Apply(Existing, HotDataChange.Set(json), Now, Limit).Status);
        Assert.Equal(WriteStatus.Applied, ChangeApplier.Apply(Existing, HotDataChange.Patch(json), Now, Limit).Status);
    }

    [Fact]
    public void Nesting_of_exactly_64_levels_is_accepted()
    {
        Assert.Null(HotDataJson.Validate(new string('[', 64) + new string(']', 64)));
    }

    [Fact]
    public void A_patch_on_a_value_with_an_escaped_lone_surrogate_answers_invalid_rather_than_throwing()
    {
        // A value stored before lone surrogates were refused.
        var stored = Existing with { Json = """{"s":"\ud800"}""" };

        var outcome = ChangeApplier.Apply(stored, HotDataChange.Patch("""{"t":1}"""), Now, Limit);

        Assert.Equal(WriteStatus.Invalid, outcome.Status);
    }

    [Theory]
    [InlineData(60 * 24 * 3600)]
    [InlineData(5 * 365 * 24 * 3600)]
    [InlineData(3650 * 24 * 3600)]
    public void Long_times_to_live_up_to_the_maximum_are_applied(int seconds)
    {
        var outcome = ChangeApplier.Apply(Existing, HotDataChange.Set("{}", TimeSpan.FromSeconds(seconds)), Now, Limit);

        Assert.Equal(WriteStatus.Applied, outcome.Status);
        Assert.Equal(Now.AddSeconds(seconds), outcome.Entry.ExpiresAt);
    }

    [Fact]
    public void A_time_to_live_over_the_maximum_is_refused_naming_the_limit()
    {
        var outcome = ChangeApplier.Apply(Existing, HotDataChange.Set("{}", HotDataConstants.DefaultMaxTtl + TimeSpan.FromSeconds(1)), Now, Limit);

        Assert.Equal(WriteStatus.Invalid, outcome.Status);
        Assert.Contains("315360000", outcome.Error, StringComparison.Ordinal);

        var shorter = ChangeApplier.Apply(Existing, HotDataChange.Set("{}", TimeSpan.FromHours(2)), Now, Limit, maxTtl: TimeSpan.FromHours(1));
        Assert.Equal(WriteStatus.Invalid, shorter.Status);
    }
}
