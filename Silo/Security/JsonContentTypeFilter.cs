using Microsoft.Net.Http.Headers;
using OrleansHotData.Silo.Api;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// Requires a JSON body's <c>Content-Type</c> (<c>application/json</c> or any <c>application/*+json</c>): a browser
/// sends those cross-site only after a preflight, which the silo refuses, so a form on another site cannot write.
/// </summary>
public static class JsonContentTypeFilter
{
    public static TBuilder RequireJsonContentType<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            IsJson(context.HttpContext.Request.ContentType)
                ? await next(context)
                : ApiProblem.UnsupportedMediaType($"The body must be sent as Content-Type: application/json; got '{context.HttpContext.Request.ContentType}'."));

    /// <summary>Whether <paramref name="contentType"/> names a JSON media type.</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType)
        {
            return false;
        }

        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
