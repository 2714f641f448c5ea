using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace OrleansHotData.Silo.Api;

/// <summary>A key's version as an HTTP entity tag (<c>"7"</c>), and the preconditions that carry one.</summary>
public static class EntityTag
{
    public static string Format(long version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>
    /// Whether an <c>If-None-Match</c> list names <paramref name="etag"/> (or is <c>*</c>), compared weakly as RFC 9110
    /// says for that header: <c>W/"7"</c> matches <c>"7"</c>.
    /// </summary>
    public static bool AnyMatches(StringValues header, string etag)
    {
        foreach (var line in header)
        {
            var rest = line.AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var tag = (comma >= 0 ? rest[..comma] : rest).Trim();
                rest = comma >= 0 ? rest[(comma + 1)..] : [];
                if (tag.StartsWith("W/", StringComparison.Ordinal))
                {
                    tag = tag[2..];
                }

                if (tag.SequenceEqual(etag) || tag.SequenceEqual("*"))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Reads the expected version from <c>If-Match: "n"</c> (the key must be at version n) or <c>If-None-Match: *</c>
    /// (the key must be absent, version 0).
    /// </summary>
    /// <returns><see langword="null"/> and no error when the request sets no precondition.</returns>
    public static long? ReadExpectedVersion(HttpRequest request, out string? error)
    {
        error = null;
        var ifMatch = request.Headers.IfMatch;
        var ifNoneMatch = request.Headers.IfNoneMatch;
        if (!StringValues.IsNullOrEmpty(ifMatch) && !StringValues.IsNullOrEmpty(ifNoneMatch))
        {
            error = "Send either If-Match or If-None-Match, not both.";
            return null;
        }

        if (!StringValues.IsNullOrEmpty(ifNoneMatch))
        {
            if (ifNoneMatch.ToString().Trim() == "*")
            {
                return 0;
            }

            error = "If-None-Match on a write accepts only '*' (create only when absent).";
            return null;
        }

        if (StringValues.IsNullOrEmpty(ifMatch))
        {
            return null;
        }

        if (TryParse(ifMatch.ToString(), out var version))
        {
            return version;
        }

        error = $"If-Match must be one version entity tag such as \"3\"; got '{ifMatch}'.";
        return null;
    }

    /// <summary>Parses <c>"n"</c>, <c>W/"n"</c> or a bare <c>n</c> with n ≥ 1.</summary>
    public static bool TryParse(string text, out long version)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("W/", StringComparison.Ordinal))
        {
            span = span[2..];
        }

        if (span.Length >= 2 && span[0] == '"' && span[^1] == '"')
        {
            span = span[1..^1];
        }

        return long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version >= 1;
    }
}
