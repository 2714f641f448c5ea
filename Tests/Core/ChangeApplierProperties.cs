using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrleansHotData.Grains;

namespace OrleansHotData.Tests.Core;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChangeApplierProperties
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Fields = ["a", "b", "c"];

    [Property(MaxTest = 200)]
    public bool Increments_sum_exactly_in_any_order((byte Field, int Delta)[] increments)
    {
        var entry = HotDataEntry.Absent;
        var expected = new Dictionary<string, long>();
        foreach (var (field, delta) in increments)
        {
            var name = Fields[field % Fields.Length];
            entry = ChangeApplier.Apply(entry, HotDataChange.Increment($$"""{"{{name}}":{{delta}}}"""), Now, 1 << 20).Entry;
            expected[name] = expected.GetValueOrDefault(name) + delta;
        }

        if (increments.Length == 0)
        {
            return entry.Json is null && entry.Version == 0;
        }

        var actual = JsonNode.Parse(entry.Json!)!.AsObject();
        return entry.Version == increments.Length
            && actual.Count == expected.Count
            && expected.All(kv => actual[kv.Key]!.GetValue<long>() == kv.Value);
    }

    [Property(MaxTest = 200)]
    public bool Merge_patch_matches_a_dictionary_model_and_is_idempotent(int?[] start, int?[] patch)
    {
        var model = new Dictionary<string, int>();
        var target = new JsonObject();
        for (var i = 0; i < Math.Min(start.Length, Fields.Length); i++)
        {
            if (start[i] is { } v)
            {
                model[Fields[i]] = v;
                target[Fields[i]] = v;
            }
        }

        var patchObject = new JsonObject();
        for (var i = 0; i < Math.Min(patch.Length, Fields.Length); i++)
        {
            patchObject[Fields[i]] = patch[i];
            if (patch[i] is { } v)
            {
                model[Fields[i]] = v;
            }
            else
            {
                model.Remove(Fields[i]);
            }
        }

        var entry = new HotDataEntry(target.ToJsonString(), 1, Now, null, null);
        var once = ChangeApplier.Apply(entry, HotDataChange.Patch(patchObject.ToJsonString()), Now, 1 << 20).Entry;
        var twice = ChangeApplier.Apply(once, HotDataChange.Patch(patchObject.ToJsonString()), Now, 1 << 20).Entry;

        var expected = new JsonObject(model.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        return JsonNode.DeepEquals(JsonNode.Parse(once.Json!), expected)
            && JsonNode.DeepEquals(JsonNode.Parse(twice.Json!), expected);
    }

    [Property(MaxTest = 300)]
    public Property Version_counts_applied_changes_and_refusals_change_nothing()
    {
        var change = Gen.Elements(
                HotDataChange.Set("""{"n":1}"""),
                HotDataChange.Set("[1]"),
                HotDataChange.Patch("""{"m":2}"""),
                HotDataChange.Increment("""{"n":1}"""),
                HotDataChange.Delete(),
                HotDataChange.Set("{broken"))
            .SelectMany(c => Gen.Choose(-1, 6).Select(v => c with { ExpectedVersion = v < 0 ? null : v }));

        return Prop.ForAll(Arb.From(change.ArrayOf()), changes =>
        {
            var entry = HotDataEntry.Absent;
            var applied = 0;
            foreach (var c in changes)
            {
                var outcome = ChangeApplier.Apply(entry, c, Now, 1 << 20);
                if (outcome.Applied)
                {
                    applied++;
                }
                else if (!ReferenceEquals(outcome.Entry, entry))
                {
                    return false;
                }

                entry = outcome.Entry;
            }

            return entry.Version == applied;
        });
    }
}
