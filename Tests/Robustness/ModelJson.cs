using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// A JSON document as the randomized input test's oracle sees it: built by the generator, rendered to text by it (so
/// duplicate names, any depth and any layout can be produced, which a JSON library refuses to write), and compared by
/// meaning with what the system answers. Independent of System.Text.Json's node model and of the production code.
/// </summary>
public abstract record ModelJson
{
    /// <summary>decimal's range bounds the exact arithmetic of an increment (the documented rule).</summary>
    private static readonly BigInteger DecimalMax = BigInteger.Parse("79228162514264337593543950335", CultureInfo.InvariantCulture);

    /// <summary>The nesting depth of a document: the number of objects and arrays on the longest path.</summary>
    public int Depth => this switch
    {
        Obj o => 1 + o.Members.Select(m => m.Value.Depth).DefaultIfEmpty(0).Max(),
        Arr a => 1 + a.Items.Select(i => i.Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    /// <summary>Whether some object, at any depth, names a member twice.</summary>
    public bool HasDuplicateNames => this switch
    {
        Obj o => o.Members.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != o.Members.Count
            || o.Members.Any(m => m.Value.HasDuplicateNames),
        Arr a => a.Items.Any(i => i.HasDuplicateNames),
        _ => false,
    };

    /// <summary>Whether some string or name holds a UTF-16 surrogate without its pair (legal as a JSON escape).</summary>
    public bool HasLoneSurrogate => this switch
    {
        Obj o => o.Members.Any(m => IsLoneSurrogateText(m.Name) || m.Value.HasLoneSurrogate),
        Arr a => a.Items.Any(i => i.HasLoneSurrogate),
        Str s => IsLoneSurrogateText(s.Value),
        _ => false,
    };

    /// <summary>Writes the document as JSON text in the given layout; escapes every surrogate that has no pair.</summary>
    public string Render(JsonLayout layout)
    {
        var text = new StringBuilder();
        Write(text, layout, 0);
        return text.ToString();
    }

    /// <summary>Whether <paramref name="actual"/> means the same document: names as sets, numbers by value.</summary>
    public bool SemanticallyEquals(JsonElement actual)
    {
        switch (this)
        {
            case Obj o:
                if (actual.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                var members = actual.EnumerateObject().ToList();
                return members.Count == o.Members.Count
                    && o.Members.All(m => members.Count(a => a.Name == m.Name) == 1
                        && m.Value.SemanticallyEquals(members.First(a => a.Name == m.Name).Value));
            case Arr a:
                return actual.ValueKind == JsonValueKind.Array
                    && actual.GetArrayLength() == a.Items.Count
                    && a.Items.Zip(actual.EnumerateArray()).All(p => p.First.SemanticallyEquals(p.Second));
            case Str s:
                return actual.ValueKind == JsonValueKind.String && StringEquals(s.Value, actual);
            case Num n:
                return actual.ValueKind == JsonValueKind.Number && n.Value == NumberValue.Parse(actual.GetRawText());
            case Bool b:
                return actual.ValueKind == (b.Value ? JsonValueKind.True : JsonValueKind.False);
            default:
                return actual.ValueKind == JsonValueKind.Null;
        }
    }

    /// <summary>The document <paramref name="element"/> holds, duplicate names kept.</summary>
    public static ModelJson From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new Obj([.. element.EnumerateObject().Select(p => (p.Name, From(p.Value)))]),
        JsonValueKind.Array => new Arr([.. element.EnumerateArray().Select(From)]),
        JsonValueKind.String => new Str(element.GetString()!),
        JsonValueKind.Number => new Num(element.GetRawText()),
        JsonValueKind.True => new Bool(true),
        JsonValueKind.False => new Bool(false),
        _ => Null.Instance,
    };

    /// <summary>Whether <paramref name="value"/> lies within decimal's range (an increment beyond it is refused).</summary>
    public static bool WithinDecimalRange(NumberValue value) => value.Exponent >= 0
        ? value.Exponent <= 29 && BigInteger.Abs(value.Significand * BigInteger.Pow(10, value.Exponent)) <= DecimalMax
        : BigInteger.Abs(value.Significand) <= DecimalMax * BigInteger.Pow(10, -value.Exponent);

    /// <summary>Whether decimal holds <paramref name="value"/> exactly (at most 28 fractional digits, 96-bit significand).</summary>
    public static bool ExactInDecimal(NumberValue value) => value.Exponent >= 0
        ? WithinDecimalRange(value)
        : -value.Exponent <= 28 && BigInteger.Abs(value.Significand) <= DecimalMax;

    private static bool StringEquals(string expected, JsonElement actual)
    {
        if (!IsLoneSurrogateText(expected))
        {
            return actual.GetString() == expected;
        }

        // System.Text.Json will not decode a lone surrogate escape into a string: compare the escaped text instead.
        var escaped = new StringBuilder();
        WriteString(escaped, expected, escapeNonAscii: true);
        return string.Equals(escaped.ToString(), actual.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoneSurrogateText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private void Write(StringBuilder text, JsonLayout layout, int level)
    {
        switch (this)
        {
            case Obj o:
                WriteContainer(text, layout, level, '{', '}', o.Members.Count, (i, t) =>
                {
                    WriteString(t, o.Members[i].Name, layout.EscapeNonAscii);
                    t.Append(layout.Indent is null ? ":" : ": ");
                    o.Members[i].Value.Write(t, layout, level + 1);
                });
                break;
            case Arr a:
                WriteContainer(text, layout, level, '[', ']', a.Items.Count, (i, t) => a.Items[i].Write(t, layout, level + 1));
                break;
            case Str s:
                WriteString(text, s.Value, layout.EscapeNonAscii);
                break;
            case Num n:
                text.Append(n.Literal);
                break;
            case Bool b:
                text.Append(b.Value ? "true" : "false");
                break;
            default:
                text.Append("null");
                break;
        }
    }

    private static void WriteContainer(StringBuilder text, JsonLayout layout, int level, char open, char close, int count, Action<int, StringBuilder> writeItem)
    {
        text.Append(open);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            if (layout.Indent is { } indent)
            {
                text.Append(layout.NewLine).Append(string.Concat(Enumerable.Repeat(indent, level + 1)));
            }

            writeItem(i, text);
        }

        if (layout.Indent is { } closingIndent && count > 0)
        {
            text.Append(layout.NewLine).Append(string.Concat(Enumerable.Repeat(closingIndent, level)));
        }

        text.Append(close);
    }

    private static void WriteString(StringBuilder text, string value, bool escapeNonAscii)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var paired = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < 0x20 || (char.IsSurrogate(c) && !paired && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1]))) || (escapeNonAscii && c > 0x7E))
                    {
                        text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }

    public sealed record Obj(IReadOnlyList<(string Name, ModelJson Value)> Members) : ModelJson
    {
        public ModelJson? Get(string name) => Members.FirstOrDefault(m => m.Name == name).Value;
    }

    public sealed record Arr(IReadOnlyList<ModelJson> Items) : ModelJson;

    public sealed record Str(string Value) : ModelJson;

    /// <param name="Literal">The number as written in the document.</param>
    public sealed record Num(string Literal) : ModelJson
    {
        public NumberValue Value => NumberValue.Parse(Literal);
    }

    public sealed record Bool(bool Value) : ModelJson;

    public sealed record Null : ModelJson
    {
        public static readonly Null Instance = new();
    }
}
