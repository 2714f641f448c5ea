using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OrleansHotData.Silo.Hosting;
using OrleansHotData.Silo.Operations;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// Authenticates <c>X-Api-Key: key</c>, <c>Authorization: ApiKey key</c>, or, on the operator pages only, HTTP Basic
/// with the key as password (what a browser sends for the dashboard) against the configured keys. Basic is refused
/// elsewhere because a browser sends it by itself once it has it, also when another site's page makes the request.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    IOptions<HotDataSecurityOptions> security,
    FailedAuthenticationLimiter failures,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    // Keys are compared as SHA-256 digests in constant time, so neither timing nor length gives a key away.
    private readonly (string Id, IReadOnlyList<string> Roles, byte[] Digest)[] _keys = [.. security.Value.ApiKeys
        .Where(k => !string.IsNullOrEmpty(k.Key))
        .Select(k => (k.EffectiveId, k.Roles.Count > 0 ? (IReadOnlyList<string>)k.Roles : HotDataRoles.All, SHA256.HashData(Encoding.UTF8.GetBytes(k.Key))))];

    /// <summary>The paths of the pages an operator opens in a browser, the only ones where Basic is accepted and offered.</summary>
    public static bool IsOperatorPage(PathString path) =>
        path == "/"
        || path.StartsWithSegments(HotDataObservability.DashboardPath)
        || path.StartsWithSegments(OperationsEndpoints.PagePath)
        || path.StartsWithSegments(HotDataObservability.MetricsPath)
        || path.StartsWithSegments("/openapi");

    /// <summary>The key a request presents, if any.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrEmpty(header))
        {
            return header.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[(SchemeName.Length + 1)..].Trim();
        }

        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && IsOperatorPage(request.Path))
        {
            try
            {
                var userAndKey = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = userAndKey.IndexOf(':', StringComparison.Ordinal);
                return colon >= 0 ? userAndKey[(colon + 1)..] : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Browsers are offered Basic on the operator pages (they prompt for it); services send a key or token.
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (IsOperatorPage(Request.Path))
        {
            Response.Headers.Append("WWW-Authenticate", "Basic realm=\"OrleansHotData\", charset=\"UTF-8\"");
        }

        Response.Headers.Append("WWW-Authenticate", "Bearer");
        return Task.CompletedTask;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        foreach (var (id, roles, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                var identity = new ClaimsIdentity(
                    [new Claim(ClaimTypes.Name, id), new Claim(ClientIdentity.ApiKeyIdClaim, id), .. roles.Select(r => new Claim(ClaimTypes.Role, r))],
                    SchemeName);
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
            }
        }

        failures.RecordFailure(Context.Connection.RemoteIpAddress);
        return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
    }
}
