using System.Text;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// Makes the randomized test's documents from one seeded <see cref="Random"/>: values, merge patches and increments,
/// valid and defective — duplicate names (top level, nested, through escapes), deep nesting (at, near and beyond 64
/// levels), huge and tiny numbers, non-ASCII text, invalid UTF-8, pretty-printed layouts (LF, CRLF, tabs), oversized
/// values. The same seed gives the same sequence.
/// </summary>
public sealed class InputGenerator(Random random, int maxValueBytes)
{
    /// <summary>Numbers a value may hold: extremes a careless producer sends.</summary>
    private static readonly string[] ValueNumbers =
    [
        "0", "-0", "1", "-17", "42", "3.14", "0.1", "1E+2", "2.5e-3", "1e308", "-1e308", "1e400", "-1e400", "5e-324",
        "123456789012345678901234567890", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "79228162514264337593543950335", "1.0000000000000000000000000001",
    ];

    /// <summary>Numbers an incrementable field starts from: mostly ones decimal holds, some beyond its range.</summary>
    private static readonly string[] CounterNumbers =
    [
        "0", "-0", "1", "7", "-250", "1.5", "9223372036854775807", "9223372036854775806", "-9223372036854775808",
        "9223372036854775807", "1e2", "79228162514264337593543950335", "1e308", "123456789012345678901234567890",
    ];

    /// <summary>Increment deltas: long.MaxValue ± small deltas, decimals, and beyond decimal's range.</summary>
    private static readonly string[] Deltas =
    [
        "1", "-1", "2", "1000", "-0", "0.25", "-1.5", "1e2", "9223372036854775807", "-9223372036854775808",
        "9223372036854775806", "1", "-2", "79228162514264337593543950335", "123456789012345678901234567890", "1e308",
    ];

    private static readonly string[] IncrementFields = ["n", "m", "o", "é"];

    private static readonly string[] Names = ["a", "A", "b", "n", "é", "e\u0301", "👍", "שלום", "ключ", "a b", "\"q\"", "back\\slash", "ctl\u0001"];

    private static readonly string[] Texts =
    [
        "", "plain", "emoji 😀👍🏽👨‍👩‍👧", "combining e\u0301 a\u0308 \u20DD", "RTL שלום עולם مرحبا", "bidi \u202Eevil\u202C",
        "quote \" backslash \\ newline \n tab \t", "nul \u0000 char", "\uFEFFbom", "日本語テキスト", "zero\u200Bwidth\u200D",
        "line\r\nbreak",
    ];

    private static readonly string[] InvalidJson =
    [
        "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "nul", "{\"a\":1}{\"b\":2}", "'a'", "NaN", "01", "{\"a\" 1}", "\"unterminated",
        "[", "{\"a\":1e}", "-", "1.", ".5", "+1", "0x10", "Infinity", "{\"a\":\"raw\ttab\"}", "{a:1}", "[1 2]", "// c\n{}",
        "{\"a\":1}\n,",
    ];

    // Invalid UTF-8 inside an otherwise well-formed JSON document: a lone continuation byte, a bad two-byte sequence,
    // an overlong encoding, an encoded surrogate, a truncated sequence, a byte never used in UTF-8.
    private static readonly byte[][] InvalidUtf8 = [[0x80], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    public Random Random => random;

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public bool Chance(double probability) => random.NextDouble() < probability;

    public JsonLayout Layout() => Chance(0.5) ? JsonLayout.Compact : Pick(JsonLayout.All);

    /// <summary>Any JSON value, at most <paramref name="depth"/> levels deep.</summary>
    public ModelJson Value(int depth)
    {
        var roll = random.Next(depth > 0 ? 10 : 6);
        return roll switch
        {
            0 or 1 => new ModelJson.Num(Pick(ValueNumbers)),
            2 or 3 => new ModelJson.Str(Pick(Texts)),
            4 => new ModelJson.Bool(Chance(0.5)),
            5 => ModelJson.Null.Instance,
            6 => new ModelJson.Arr([.. Enumerable.Range(0, random.Next(4)).Select(_ => Value(depth - 1))]),
            _ => JsonObject(depth),
        };
    }

    /// <summary>An object of distinct names.</summary>
    public ModelJson.Obj JsonObject(int depth) => new([.. Names.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).Select(n => (n, Value(depth - 1)))]);

    /// <summary>An object an increment can work on: number fields at the top and one level down, and a text field.</summary>
    public ModelJson.Obj Counter()
    {
        var members = new List<(string, ModelJson)> { ("n", Number(CounterNumbers)) };
        if (Chance(0.7))
        {
            members.Add(("m", Number(CounterNumbers)));
        }

        if (Chance(0.6))
        {
            members.Add(("o", new ModelJson.Obj([("n", Number(CounterNumbers))])));
        }

        if (Chance(0.3))
        {
            members.Add(("s", new ModelJson.Str(Pick(Texts))));
        }

        return new ModelJson.Obj(members);
    }

    /// <summary>A value for a set: mostly well-formed, sometimes defective.</summary>
    public GeneratedDocument SetDocument(bool allowDefects, bool allowLoneSurrogate) => Chance(allowDefects ? 0.3 : 0) ? Defective(Counter(), allowLoneSurrogate) : random.Next(10) switch
    {
        < 4 => GeneratedDocument.Valid(Counter(), Layout(), "counter"),
        < 7 => GeneratedDocument.Valid(JsonObject(3), Layout(), "object"),
        7 => GeneratedDocument.Valid(Nested(random.Next(56, JsonChangeModel.MaxDepth + 1), Chance(0.5)), Layout(), "deep at the limit"),
        8 => GeneratedDocument.Valid(Value(2), Layout(), "any value"),
        _ => GeneratedDocument.Valid(new ModelJson.Obj([("big", new ModelJson.Str(new string('x', maxValueBytes / 8)))]), Layout(), "sizeable"),
    };

    /// <summary>A merge patch: objects with removals and nested merges, sometimes a non-object that replaces the value.</summary>
    public GeneratedDocument PatchDocument(bool allowDefects, bool allowLoneSurrogate)
    {
        if (Chance(allowDefects ? 0.3 : 0))
        {
            return Defective(PatchObject(), allowLoneSurrogate);
        }

        return random.Next(10) switch
        {
            < 6 => GeneratedDocument.Valid(PatchObject(), Layout(), "merge patch"),
            6 => GeneratedDocument.Valid(Counter(), Layout(), "counter patch"),
            7 => GeneratedDocument.Valid(Chance(0.5) ? new ModelJson.Num(Pick(ValueNumbers)) : new ModelJson.Arr([Value(1)]), Layout(), "non-object patch"),
            8 => GeneratedDocument.Valid(new ModelJson.Obj([("deep", Nested(random.Next(50, JsonChangeModel.MaxDepth), true))]), Layout(), "deep patch"),
            _ => GeneratedDocument.Valid(new ModelJson.Obj([]), Layout(), "empty patch"),
        };
    }

    /// <summary>An increment: number deltas on top-level and nested fields, sometimes a non-number delta.</summary>
    public GeneratedDocument IncrementDocument(bool allowDefects, bool allowLoneSurrogate)
    {
        if (Chance(allowDefects ? 0.3 : 0))
        {
            return Defective(IncrementDeltas(), allowLoneSurrogate);
        }

        return random.Next(12) switch
        {
            < 9 => GeneratedDocument.Valid(IncrementDeltas(), Layout(), "increment"),
            9 => GeneratedDocument.Valid(new ModelJson.Obj([("n", Value(1))]), Layout(), "non-number delta"),
            10 => GeneratedDocument.Valid(new ModelJson.Obj([("s", Number(Deltas))]), Layout(), "increment of a text field"),
            _ => GeneratedDocument.Valid(Chance(0.5) ? new ModelJson.Num("1") : new ModelJson.Arr([new ModelJson.Num("1")]), Layout(), "non-object increment"),
        };
    }

    /// <summary>A document with one defect that makes every interface refuse it.</summary>
    public GeneratedDocument Defective(ModelJson.Obj valid, bool allowLoneSurrogate)
    {
        var name = valid.Members[0].Name;
        switch (random.Next(allowLoneSurrogate ? 9 : 8))
        {
            case 0:
                return GeneratedDocument.Valid(new ModelJson.Obj([.. valid.Members, (name, Value(1))]), Layout(), "duplicate name, top level");
            case 1:
                return GeneratedDocument.Valid(new ModelJson.Obj([("x", new ModelJson.Obj([("a", new ModelJson.Num("1")), ("a", new ModelJson.Num("2"))])), .. valid.Members.Where(m => m.Name != "x")]), Layout(), "duplicate name, nested");
            case 2:
                // The same name once plain and once as an escape: still a duplicate.
                return GeneratedDocument.Broken(Chance(0.5) ? "{\"a\":1,\"\\u0061\":2}" : "{\"o\":{\"n\":1,\"\\u006e\":2}}", DocumentDefect.DuplicateNames, "duplicate name through an escape");
            case 3:
                var depth = Pick<int>([JsonChangeModel.MaxDepth + 1, JsonChangeModel.MaxDepth + 2, 100, 5000]);
                // Far beyond the limit: compact arrays, so the document stays well below the size limit (an indented one would not).
                var far = depth > 70;
                return GeneratedDocument.Valid(new ModelJson.Obj([("o", Nested(depth - 1, !far && Chance(0.5)))]), far ? JsonLayout.Compact : Layout(), $"nested {depth} levels");
            case 4:
                return GeneratedDocument.Broken(Pick(InvalidJson), DocumentDefect.InvalidJson, "invalid JSON");
            case 5:
                var text = Encoding.UTF8.GetBytes(new ModelJson.Obj([.. valid.Members, ("t", new ModelJson.Str("before|after"))]).Render(Layout()));
                var bar = Array.LastIndexOf(text, (byte)'|');
                return new GeneratedDocument([.. text[..bar], .. Pick(InvalidUtf8), .. text[(bar + 1)..]], null, DocumentDefect.InvalidUtf8, "invalid UTF-8");
            case 6:
                return new GeneratedDocument(Encoding.UTF8.GetBytes(new ModelJson.Obj([.. valid.Members, ("big", new ModelJson.Str(new string('y', maxValueBytes + random.Next(1, 5000))))]).Render(JsonLayout.Compact)), null, DocumentDefect.TooLarge, "oversized");
            case 7:
                return GeneratedDocument.Valid(new ModelJson.Obj([("a", ModelJson.Null.Instance), ("a", new ModelJson.Obj([("b", new ModelJson.Num("1")), ("b", new ModelJson.Num("1"))]))]), Layout(), "duplicate names, null and nested");
            default:
                var lone = Pick<string>(["\uD800", "a\uDC00b", "\uDBFF"]);
                return GeneratedDocument.Valid(new ModelJson.Obj([.. valid.Members, ("lone", new ModelJson.Str(lone))]), Layout(), "lone surrogate escape") with { Defect = DocumentDefect.LoneSurrogate };
        }
    }

    /// <summary>Objects or arrays nested <paramref name="depth"/> levels, a number at the bottom.</summary>
    public static ModelJson Nested(int depth, bool objects)
    {
        ModelJson value = new ModelJson.Num("1");
        for (var i = 0; i < depth; i++)
        {
            value = objects ? new ModelJson.Obj([("d", value)]) : new ModelJson.Arr([value]);
        }

        return value;
    }

    private ModelJson.Num Number(string[] pool) => new(Pick(pool));

    private ModelJson.Obj PatchObject() => new([.. Names.Concat(["n", "m", "o"]).Distinct().OrderBy(_ => random.Next()).Take(random.Next(1, 4))
        .Select(n => (n, Chance(0.3) ? ModelJson.Null.Instance : n == "o" && Chance(0.5) ? new ModelJson.Obj([("n", Number(CounterNumbers)), ("x", Chance(0.5) ? ModelJson.Null.Instance : Value(1))]) : Value(2)))]);

    private ModelJson.Obj IncrementDeltas()
    {
        var members = new List<(string, ModelJson)>();
        foreach (var field in IncrementFields.OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
        {
            members.Add((field, field == "o" ? new ModelJson.Obj([("n", Number(Deltas))]) : Number(Deltas)));
        }

        return new ModelJson.Obj(members);
    }
}
