using OrleansHotData.Silo.Api;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// Refuses (403) a request whose <c>Origin</c> is neither the silo's own nor one of <c>Security:AllowedOrigins</c>:
/// a page of another site cannot make a browser call the API with the credentials it holds for the silo.
/// </summary>
public sealed class CrossOriginGuard(IReadOnlyCollection<string> allowedOrigins)
{
    private readonly HashSet<string> _allowed = new(allowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="request"/> comes from a page the silo trusts, or from no page at all.</summary>
    public bool Allows(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            // Not a browser's cross-origin request: services and same-origin navigations send none.
            return true;
        }

        return string.Equals(origin, request.Scheme + "://" + request.Host.Value, StringComparison.OrdinalIgnoreCase) || _allowed.Contains(origin);
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Allows(context.Request))
        {
            await next(context);
            return;
        }

        await ApiProblem.Forbidden($"Requests from origin '{context.Request.Headers.Origin}' are refused; add it to Security:AllowedOrigins to let its pages call the API.")
            .ExecuteAsync(context);
    }
}
