using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansHotData.ChangeFeed;

/// <summary>
/// One version of a key as a near-cache holds it: immutable, shared by every read of that version. The forms a reader
/// needs (UTF-8 bytes for an HTTP answer, a parsed document, the ETag) are made once, on first use.
/// </summary>
public sealed class HotDataCachedValue
{
    private byte[]? _utf8;
    private string? _etag;
    private JsonElement? _element;

    internal HotDataCachedValue(string key, long version, string? json, DateTimeOffset updatedAt, DateTimeOffset? expiresAt)
    {
        Key = key;
        Version = version;
        Json = json;
        UpdatedAt = updatedAt;
        ExpiresAt = expiresAt;
    }

    internal HotDataCachedValue(HotDataNotification notification)
        : this(notification.Key, notification.Version, notification.Json, notification.UpdatedAt, notification.ExpiresAt)
    {
    }

    internal HotDataCachedValue(HotDataValue value)
        : this(value.Key, value.Version, value.Json, value.UpdatedAt, value.ExpiresAt)
    {
    }

    /// <summary>The entity key.</summary>
    public string Key { get; }

    /// <summary>The key's version (0 for a key that never had a value).</summary>
    public long Version { get; }

    /// <summary>The value, or <see langword="null"/> when the key has none at this version.</summary>
    public string? Json { get; }

    /// <summary>When this version was applied.</summary>
    public DateTimeOffset UpdatedAt { get; }

    /// <summary>When the value expires, if it has a time to live.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The value's UTF-8 bytes (empty when there is none).</summary>
    public ReadOnlyMemory<byte> Utf8 => _utf8 ??= Json is null ? [] : Encoding.UTF8.GetBytes(Json);

    /// <summary>The HTTP entity tag of this version: the version in quotes.</summary>
    public string ETag => _etag ??= "\"" + Version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>The value parsed once, shared by the readers of this version (a <see cref="JsonElement"/> is read-only).</summary>
    public JsonElement Element
    {
        get
        {
            if (_element is { } element)
            {
                return element;
            }

            using var document = JsonDocument.Parse(Json ?? "null");
            element = document.RootElement.Clone();
            _element = element;
            return element;
        }
    }

    /// <summary>Whether the key has a value at this version that has not expired by <paramref name="now"/>.</summary>
    public bool HasValueAt(DateTimeOffset now) => Json is not null && !(ExpiresAt <= now);

    // What an entry costs, roughly: the strings (UTF-16), the UTF-8 copy and the parsed form when made, the objects.
    internal long EstimatedBytes => 160 + (Key.Length * 2L) + ((Json?.Length ?? 0) * 4L);
}
