using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansHotData.Grains;

/// <summary>
/// Applies one change to a key's entry: set, JSON Merge Patch (RFC 7396), numeric increment, delete; with optimistic
/// concurrency, upstream-version staleness, TTL and the value size limit. Pure: no I/O, no Orleans, time passed in.
/// </summary>
public static class ChangeApplier
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Applies <paramref name="change"/> to <paramref name="current"/> at time <paramref name="now"/>.</summary>
    /// <param name="current">The key's entry now.</param>
    /// <param name="change">The change to apply.</param>
    /// <param name="now">The time the change is applied at.</param>
    /// <param name="maxValueBytes">The largest document and resulting value, in UTF-8 bytes.</param>
    /// <param name="maxTtl">The longest time to live a change may set; <see cref="HotDataConstants.DefaultMaxTtl"/> when not given.</param>
    public static ChangeOutcome Apply(HotDataEntry current, HotDataChange change, DateTimeOffset now, int maxValueBytes, TimeSpan? maxTtl = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(change);

        // An expired value is gone: it neither matches a version nor takes part in a patch or increment.
        if (current.IsExpired(now))
        {
            current = current with { Json = null, ExpiresAt = null };
        }

        var visibleVersion = current.VisibleVersion(now);
        if (change.ExpectedVersion is { } expected && expected != visibleVersion)
        {
            return Reject(WriteStatus.VersionConflict, current, expected == 0
                ? $"The key exists at version {visibleVersion}; the change required it to be absent."
                : $"The key is at version {visibleVersion}; the change expected version {expected}.");
        }

        if (change.UpstreamVersion is { } upstream && current.UpstreamVersion is { } applied && upstream <= applied)
        {
            return Reject(WriteStatus.Stale, current, $"Upstream version {upstream} is not newer than the applied upstream version {applied}.");
        }

        if (change.Ttl is { } ttl && ttl <= TimeSpan.Zero)
        {
            return Reject(WriteStatus.Invalid, current, "The time to live must be positive.");
        }

        var longestTtl = maxTtl ?? HotDataConstants.DefaultMaxTtl;
        if (change.Ttl > longestTtl)
        {
            return Reject(WriteStatus.Invalid, current, $"The time to live of {change.Ttl.Value.TotalSeconds:0} s is over the limit of {longestTtl.TotalSeconds:0} s ({longestTtl.TotalDays:0} days).");
        }

        if (change.Operation == ChangeOperation.Delete)
        {
            return current.Json is null
                ? Reject(WriteStatus.NotFound, current, "The key has no value to delete.")
                : Accept(current, null, null, change, now);
        }

        if (change.Json is null)
        {
            return Reject(WriteStatus.Invalid, current, $"A {Describe(change.Operation)} needs a JSON document.");
        }

        var inputBytes = Encoding.UTF8.GetByteCount(change.Json);
        if (inputBytes > maxValueBytes)
        {
            return Reject(WriteStatus.ValueTooLarge, current, $"The document is {inputBytes} bytes; the limit is {maxValueBytes}.");
        }

        string resultJson;
        try
        {
            resultJson = change.Operation switch
            {
                ChangeOperation.Set => ValidateDocument(change.Json),
                ChangeOperation.Patch => MergePatch(current.Json, change.Json),
                ChangeOperation.Increment => Increment(current.Json, change.Json),
                _ => throw new InvalidChangeException($"Unknown operation {(int)change.Operation}."),
            };
        }
        catch (JsonException ex)
        {
            return Reject(WriteStatus.Invalid, current, $"The {Describe(change.Operation)} is not valid JSON: {ex.Message}");
        }
        catch (InvalidChangeException ex)
        {
            return Reject(WriteStatus.Invalid, current, ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException
            || (ex is ArgumentException && ex is not ArgumentNullException))
        {
            // Text the JSON reader took but cannot turn into values (an escaped lone surrogate, for one): the same
            // input fails the same way every time, so it is the change that is at fault.
            return Reject(WriteStatus.Invalid, current, $"The {Describe(change.Operation)} cannot be applied: {ex.Message}");
        }

        var resultBytes = resultJson.Length <= maxValueBytes / 3 ? resultJson.Length : Encoding.UTF8.GetByteCount(resultJson);
        if (resultBytes > maxValueBytes)
        {
            return Reject(WriteStatus.ValueTooLarge, current, $"The resulting value would be {resultBytes} bytes; the limit is {maxValueBytes}.");
        }

        var expiresAt = change.Ttl is { } t
            ? now + t
            : change.Operation == ChangeOperation.Set ? null : current.ExpiresAt;
        return Accept(current, resultJson, expiresAt, change, now);
    }

    private static ChangeOutcome Accept(HotDataEntry current, string? json, DateTimeOffset? expiresAt, HotDataChange change, DateTimeOffset now) =>
        new(WriteStatus.Applied, new HotDataEntry(
            json,
            current.Version + 1,
            now,
            expiresAt,
            change.UpstreamVersion ?? current.UpstreamVersion));

    private static ChangeOutcome Reject(WriteStatus status, HotDataEntry current, string error) => new(status, current, error);

    private static string Describe(ChangeOperation operation) => operation switch
    {
        ChangeOperation.Set => "value",
        ChangeOperation.Patch => "merge patch",
        ChangeOperation.Increment => "increment",
        _ => "change",
    };

    private static string ValidateDocument(string json) =>
        HotDataJson.Validate(json) is { } error ? throw new InvalidChangeException($"The value is not valid JSON: {error}") : json;

    private static JsonNode? Parse(string json) => JsonNode.Parse(json, NodeOptions, HotDataJson.DocumentOptions);

    private static string Serialize(JsonNode? node) => node is null ? "null" : node.ToJsonString();

    private static string MergePatch(string? targetJson, string patchJson)
    {
        var patch = Parse(patchJson);
        var target = targetJson is null ? null : Parse(targetJson);
        return Serialize(MergePatch(target, patch));
    }

    // RFC 7396, section 2: a non-object patch replaces the target; null members remove, others merge recursively.
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject(NodeOptions);
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
                continue;
            }

            result.TryGetPropertyValue(name, out var existing);
            result.Remove(name);
            result[name] = MergePatch(existing, value);
        }

        return result;
    }

    private static string Increment(string? targetJson, string deltasJson)
    {
        if (Parse(deltasJson) is not JsonObject deltas)
        {
            throw new InvalidChangeException("An increment must be a JSON object of field names to numeric deltas.");
        }

        if (deltas.Count == 0)
        {
            throw new InvalidChangeException("The increment names no fields.");
        }

        var target = targetJson is null ? new JsonObject(NodeOptions) : Parse(targetJson);
        if (target is not JsonObject targetObject)
        {
            throw new InvalidChangeException($"Only an object value can be incremented; the value is {Kind(target)}.");
        }

        AddDeltas(targetObject, deltas, path: "");
        return Serialize(targetObject);
    }

    private static void AddDeltas(JsonObject target, JsonObject deltas, string path)
    {
        foreach (var (name, delta) in deltas)
        {
            var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
            target.TryGetPropertyValue(name, out var existing);
            switch (delta)
            {
                case JsonObject nested:
                    if (existing is null)
                    {
                        existing = new JsonObject(NodeOptions);
                        target[name] = existing;
                    }
                    else if (existing is not JsonObject)
                    {
                        throw new InvalidChangeException($"The field '{fieldPath}' is {Kind(existing)}, not an object, so it cannot take nested increments.");
                    }

                    AddDeltas((JsonObject)existing, nested, fieldPath);
                    break;

                case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                    if (existing is not null && existing.GetValueKind() != JsonValueKind.Number)
                    {
                        throw new InvalidChangeException($"The field '{fieldPath}' is {Kind(existing)}, not a number, so it cannot be incremented.");
                    }

                    target[name] = Add(existing as JsonValue, value, fieldPath);
                    break;

                default:
                    throw new InvalidChangeException($"The delta for '{fieldPath}' is {Kind(delta)}, not a number.");
            }
        }
    }

    private static JsonValue Add(JsonValue? existing, JsonValue delta, string fieldPath)
    {
        if ((existing is null || existing.TryGetValue(out long _)) && delta.TryGetValue(out long d))
        {
            var a = 0L;
            existing?.TryGetValue(out a);
            var sum = unchecked(a + d);
            // Overflow happened when both operands share a sign that the sum does not.
            if (((a ^ sum) & (d ^ sum)) >= 0)
            {
                return JsonValue.Create(sum);
            }
        }

        if (!TryDecimal(existing, out var x) || !TryDecimal(delta, out var y))
        {
            throw new InvalidChangeException($"The field '{fieldPath}' or its delta is outside the range of exact decimal arithmetic.");
        }

        try
        {
            return JsonValue.Create(x + y);
        }
        catch (OverflowException)
        {
            throw new InvalidChangeException($"Incrementing '{fieldPath}' overflows.");
        }
    }

    private static bool TryDecimal(JsonValue? value, out decimal result)
    {
        result = 0;
        if (value is null)
        {
            return true;
        }

        // JsonElement.TryGetDecimal rejects exponents that decimal.Parse with Float accepts; go through the raw text.
        var text = value.ToJsonString();
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out result);
    }

    private static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "undefined",
    };

    private sealed class InvalidChangeException(string message) : Exception(message);
}
