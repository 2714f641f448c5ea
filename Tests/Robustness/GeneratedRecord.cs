using System.Text;
using System.Text.Json;

namespace OrleansHotData.Tests.Robustness;

/// <summary>A Kafka record the generator made, and what the documented rules say becomes of it.</summary>
/// <param name="Index">Its place in the generated sequence.</param>
/// <param name="Key">The key's bytes (null: no key).</param>
/// <param name="Value">The value (null: a tombstone).</param>
/// <param name="Headers">Its headers, in order.</param>
/// <param name="DeadLetterReasons">
/// When it must be dead-lettered: the reasons (prefixes of <c>dead-letter-reason</c>) the rules allow; otherwise null.
/// </param>
/// <param name="Outcome">What the model expects, for the report.</param>
/// <param name="Document">The value as generated, for the report.</param>
public sealed record GeneratedRecord(
    int Index,
    byte[]? Key,
    byte[]? Value,
    IReadOnlyList<(string Name, byte[] Value)> Headers,
    IReadOnlyList<string>? DeadLetterReasons,
    string Outcome,
    GeneratedDocument? Document)
{
    /// <summary>Where it landed, once produced.</summary>
    public (int Partition, long Offset) Position { get; set; }

    public override string ToString()
    {
        var headers = string.Join(", ", Headers.Select(h => $"{h.Name}={Show(h.Value)}"));
        var value = Value is null ? "null (tombstone)" : Document?.Describe() ?? Show(Value);
        return $"record #{Index} p{Position.Partition}@{Position.Offset} key={(Key is null ? "null" : Show(Key))} headers=[{headers}] value={value} → rules: {Outcome}";
    }

    /// <summary>Bytes as JSON-quoted text when they are UTF-8, otherwise with \xNN for the bytes that are not.</summary>
    public static string Show(byte[] bytes)
    {
        try
        {
            var text = new UTF8Encoding(false, true).GetString(bytes);
            return JsonSerializer.Serialize(text.Length > 80 ? text[..80] + $"…({bytes.Length} bytes)" : text);
        }
        catch (DecoderFallbackException)
        {
            return "\"" + string.Concat(bytes.Take(80).Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}")) + "\"";
        }
    }
}
