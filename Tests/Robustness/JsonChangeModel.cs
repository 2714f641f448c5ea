using System.Text;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// The oracle's own sequential model of one change to a JSON value, written from the documented rules (not from the
/// production ChangeApplier):
/// <list type="bullet">
/// <item>a set stores the document; a merge patch is RFC 7396 (a non-object patch replaces the value);</item>
/// <item>an increment is a non-empty JSON object of field → number (nested objects for nested fields) applied to an
/// object value (absent = empty object); a non-number delta, a non-object target or a non-number target field is
/// refused; integer arithmetic is exact in 64 bits and overflows into exact decimal arithmetic, refused beyond
/// decimal's range;</item>
/// <item>documents with duplicate names or nested deeper than <see cref="MaxDepth"/> are refused before any of this.</item>
/// </list>
/// Cases the rules leave open (a result deeper than the limit, a null target field, an empty increment object, a sum
/// decimal cannot hold exactly, a result near the size limit) are reported as <see cref="ChangeVerdict.Unsettled"/> so
/// the generator does not send them.
/// </summary>
public static class JsonChangeModel
{
    /// <summary>The documented nesting limit: deeper documents are refused.</summary>
    public const int MaxDepth = 64;

    public static (ChangeVerdict Verdict, ModelJson? Result) Set(ModelJson document, int maxValueBytes) => Settle(document, maxValueBytes);

    public static (ChangeVerdict Verdict, ModelJson? Result) Patch(ModelJson? current, ModelJson patch, int maxValueBytes) =>
        Settle(MergePatch(current, patch), maxValueBytes);

    public static (ChangeVerdict Verdict, ModelJson? Result) Increment(ModelJson? current, ModelJson deltas, int maxValueBytes)
    {
        if (deltas is not ModelJson.Obj deltaObject)
        {
            return (ChangeVerdict.Invalid, null);
        }

        if (deltaObject.Members.Count == 0)
        {
            return (ChangeVerdict.Unsettled, null);
        }

        current ??= new ModelJson.Obj([]);
        if (current is not ModelJson.Obj target)
        {
            return (ChangeVerdict.Invalid, null);
        }

        var (verdict, result) = AddDeltas(target, deltaObject);
        return verdict == ChangeVerdict.Applied ? Settle(result!, maxValueBytes) : (verdict, null);
    }

    private static (ChangeVerdict, ModelJson?) Settle(ModelJson result, int maxValueBytes) =>
        result.Depth > MaxDepth || Encoding.UTF8.GetByteCount(result.Render(JsonLayout.Compact)) > maxValueBytes / 2
            ? (ChangeVerdict.Unsettled, null)
            : (ChangeVerdict.Applied, result);

    // RFC 7396, section 2.
    private static ModelJson MergePatch(ModelJson? target, ModelJson patch)
    {
        if (patch is not ModelJson.Obj patchObject)
        {
            return patch;
        }

        var members = target is ModelJson.Obj targetObject ? targetObject.Members.ToList() : [];
        foreach (var (name, value) in patchObject.Members)
        {
            var index = members.FindIndex(m => m.Name == name);
            if (value is ModelJson.Null)
            {
                if (index >= 0)
                {
                    members.RemoveAt(index);
                }

                continue;
            }

            var merged = MergePatch(index >= 0 ? members[index].Value : null, value);
            if (index >= 0)
            {
                members[index] = (name, merged);
            }
            else
            {
                members.Add((name, merged));
            }
        }

        return new ModelJson.Obj(members);
    }

    private static (ChangeVerdict, ModelJson.Obj?) AddDeltas(ModelJson.Obj target, ModelJson.Obj deltas)
    {
        var members = target.Members.ToList();
        var verdict = ChangeVerdict.Applied;
        foreach (var (name, delta) in deltas.Members)
        {
            var index = members.FindIndex(m => m.Name == name);
            var existing = index >= 0 ? members[index].Value : null;
            ChangeVerdict fieldVerdict;
            ModelJson? updated = null;
            switch (delta)
            {
                case ModelJson.Obj nested when nested.Members.Count == 0 || existing is ModelJson.Null:
                    fieldVerdict = ChangeVerdict.Unsettled;
                    break;
                case ModelJson.Obj nested:
                    if (existing is not null and not ModelJson.Obj)
                    {
                        fieldVerdict = ChangeVerdict.Invalid;
                        break;
                    }

                    (fieldVerdict, var nestedResult) = AddDeltas(existing as ModelJson.Obj ?? new ModelJson.Obj([]), nested);
                    updated = nestedResult;
                    break;
                case ModelJson.Num number:
                    (fieldVerdict, updated) = existing switch
                    {
                        null => Add(new NumberValue(0, 0), number.Value),
                        ModelJson.Num e => Add(e.Value, number.Value),
                        ModelJson.Null => (ChangeVerdict.Unsettled, null),
                        _ => (ChangeVerdict.Invalid, null),
                    };
                    break;
                default:
                    fieldVerdict = ChangeVerdict.Invalid;
                    break;
            }

            if (fieldVerdict == ChangeVerdict.Invalid)
            {
                // An increment is atomic: one refused field refuses all of it.
                return (ChangeVerdict.Invalid, null);
            }

            if (fieldVerdict == ChangeVerdict.Unsettled)
            {
                verdict = ChangeVerdict.Unsettled;
                continue;
            }

            if (index >= 0)
            {
                members[index] = (name, updated!);
            }
            else
            {
                members.Add((name, updated!));
            }
        }

        return verdict == ChangeVerdict.Applied ? (verdict, new ModelJson.Obj(members)) : (verdict, null);
    }

    private static (ChangeVerdict, ModelJson?) Add(NumberValue existing, NumberValue delta)
    {
        if (!ModelJson.WithinDecimalRange(existing) || !ModelJson.WithinDecimalRange(delta))
        {
            return (ChangeVerdict.Invalid, null);
        }

        var sum = existing.Add(delta);
        var integers = existing.Exponent >= 0 && delta.Exponent >= 0;
        if (!ModelJson.WithinDecimalRange(sum))
        {
            return (integers ? ChangeVerdict.Invalid : ChangeVerdict.Unsettled, null);
        }

        return ModelJson.ExactInDecimal(existing) && ModelJson.ExactInDecimal(delta) && ModelJson.ExactInDecimal(sum)
            ? (ChangeVerdict.Applied, new ModelJson.Num(sum.ToString()))
            : (ChangeVerdict.Unsettled, null);
    }
}
