using Microsoft.AspNetCore.Http.Features;

namespace OrleansHotData.Silo.Api;

/// <summary>Takes the entity key from the request's raw path, so any key — slashes included — round-trips when percent-encoded.</summary>
public static class KeyPath
{
    private const string Prefix = "/v1/keys/";

    /// <summary>
    /// Returns the percent-decoded path segment after <c>/v1/keys/</c>. The routed value cannot be used: routing leaves
    /// <c>%2F</c> encoded while decoding everything else, so a key holding "%2F" literally could not be told apart.
    /// </summary>
    public static string Read(HttpContext context, string routedKey)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            return routedKey;
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw[..query] : raw;
        var start = path.IndexOf(Prefix, StringComparison.OrdinalIgnoreCase);
        if (start < 0)
        {
            return routedKey;
        }

        start += Prefix.Length;
        var end = path.IndexOf('/', start);
        var segment = end >= 0 ? path[start..end] : path[start..];
        return Uri.UnescapeDataString(segment);
    }
}
