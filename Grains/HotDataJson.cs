using System.Text.Json;

namespace OrleansHotData.Grains;

/// <summary>
/// Which JSON documents the system takes, the same for every way in (HTTP, SDK, Kafka): one document, nested at most
/// <see cref="MaxDepth"/> levels, no object with two members of the same name (RFC 8259 leaves their meaning open, and
/// readers disagree on which one wins), and no string that is not Unicode text (an escaped lone surrogate such as
/// <c>"\ud800"</c>, which no reader can turn into text).
/// </summary>
public static class HotDataJson
{
    /// <summary>The deepest nesting of arrays and objects a document may have.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parser settings that enforce the depth limit and refuse duplicate member names.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <summary>Why <paramref name="json"/> is not a document the system takes, or <see langword="null"/> when it is.</summary>
    public static string? Validate(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            // Only an escape can spell a lone surrogate: documents without one need no walk.
            if (json.Contains("\\u", StringComparison.Ordinal) && FindInvalidText(document.RootElement) is { } where)
            {
                return $"{where} is not Unicode text (an escaped lone surrogate).";
            }

            return null;
        }
        catch (JsonException ex)
        {
            return ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            // The duplicate-name check reads every member name as text, and a name may not be.
            return $"A member name is not Unicode text: {ex.Message}";
        }
    }

    // The path of the first string or member name in the document that is not Unicode text.
    private static string? FindInvalidText(JsonElement element, string path = "$")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsText(element) ? null : $"The string at {path}";
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInvalidText(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                var position = 0;
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return $"The name of member #{position + 1} of {path}";
                    }

                    position++;
                    if (FindInvalidText(property.Value, $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsText(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
