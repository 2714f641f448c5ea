using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// The changelog's record format. Key: the entity key (UTF-8). Value: the whole new value's JSON (UTF-8), or null
/// (a tombstone) when the change deleted the value or it expired. Headers, each UTF-8 text:
/// <see cref="VersionHeader"/> (decimal), <see cref="SourceHeader"/> (<c>api</c>, <c>kafka</c>, <c>expiry</c>),
/// <see cref="UpdatedAtHeader"/> and, when the value has a time to live, <see cref="ExpiresAtHeader"/> (ISO 8601 UTC,
/// round-trip precision), and <see cref="UpstreamVersionHeader"/> when changes carried one. Pure: no I/O.
/// </summary>
public static class ChangelogRecord
{
    public const string VersionHeader = "hotdata-version";
    public const string SourceHeader = "hotdata-source";
    public const string UpdatedAtHeader = "hotdata-updated-at";
    public const string ExpiresAtHeader = "hotdata-expires-at";
    public const string UpstreamVersionHeader = "hotdata-upstream-version";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The record of <paramref name="entry"/>, a change of <paramref name="key"/>.</summary>
    public static Message<byte[]?, byte[]?> ToMessage(string key, ChangelogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(entry);
        var headers = new Headers
        {
            { VersionHeader, Text(entry.Version.ToString(CultureInfo.InvariantCulture)) },
            { SourceHeader, Text(SourceName(entry.Source)) },
            { UpdatedAtHeader, Text(Timestamp(entry.UpdatedAt)) },
        };
        if (entry.ExpiresAt is { } expiresAt)
        {
            headers.Add(ExpiresAtHeader, Text(Timestamp(expiresAt)));
        }

        if (entry.UpstreamVersion is { } upstream)
        {
            headers.Add(UpstreamVersionHeader, Text(upstream.ToString(CultureInfo.InvariantCulture)));
        }

        return new Message<byte[]?, byte[]?>
        {
            Key = Utf8.GetBytes(key),
            Value = entry.Json is null ? null : Utf8.GetBytes(entry.Json),
            Headers = headers,
        };
    }

    /// <summary>Reads a changelog record's key and entry.</summary>
    /// <exception cref="FormatException">The record is not a changelog record: a header is missing or unreadable.</exception>
    public static (string Key, ChangelogEntry Entry) Parse(Message<byte[]?, byte[]?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Key is null)
        {
            throw new FormatException("A changelog record has no key.");
        }

        var key = Decode(message.Key, "key");
        var headers = message.Headers ?? [];
        var version = Number(Required(headers, VersionHeader), VersionHeader);
        if (version < 1)
        {
            throw new FormatException($"Header {VersionHeader} is {version}: a changelog version is at least 1.");
        }

        var source = Required(headers, SourceHeader) switch
        {
            "api" => HotDataChangeSource.Api,
            "kafka" => HotDataChangeSource.Kafka,
            "expiry" => HotDataChangeSource.Expiry,
            "unknown" => HotDataChangeSource.Unknown,
            var other => throw new FormatException($"Header {SourceHeader} is '{other}': expected api, kafka, expiry or unknown."),
        };
        var updatedAt = Time(Required(headers, UpdatedAtHeader), UpdatedAtHeader);
        DateTimeOffset? expiresAt = Optional(headers, ExpiresAtHeader) is { } expires ? Time(expires, ExpiresAtHeader) : null;
        long? upstream = Optional(headers, UpstreamVersionHeader) is { } up ? Number(up, UpstreamVersionHeader) : null;
        var json = message.Value is null ? null : Decode(message.Value, "value");
        return (key, new ChangelogEntry(version, json, source, updatedAt, json is null ? null : expiresAt, upstream));
    }

    /// <summary>The name <see cref="SourceHeader"/> gives <paramref name="source"/>.</summary>
    public static string SourceName(HotDataChangeSource source) => source switch
    {
        HotDataChangeSource.Api => "api",
        HotDataChangeSource.Kafka => "kafka",
        HotDataChangeSource.Expiry => "expiry",
        _ => "unknown",
    };

    private static byte[] Text(string text) => Utf8.GetBytes(text);

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string Required(Headers headers, string name) =>
        Optional(headers, name) ?? throw new FormatException($"A changelog record has no {name} header.");

    private static string? Optional(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var bytes) ? (bytes is null ? null : Decode(bytes, $"header {name}")) : null;

    private static string Decode(byte[] bytes, string what)
    {
        try
        {
            return Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FormatException($"The changelog record's {what} is not valid UTF-8.", ex);
        }
    }

    private static long Number(string text, string header) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"Header {header} is '{text}': expected a whole number.");

    private static DateTimeOffset Time(string text, string header) =>
        DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new FormatException($"Header {header} is '{text}': expected an ISO 8601 time such as 2026-01-31T12:00:00.0000000Z.");
}
