using System.Security.Claims;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// The identity limits are counted against: the API key's id, the token's issuer and subject, or, for an
/// unauthenticated caller (authentication off), the remote address.
/// </summary>
public static class ClientIdentity
{
    /// <summary>The claim type an API key's id is carried in.</summary>
    public const string ApiKeyIdClaim = "hotdata:api-key-id";

    /// <summary>The token claim of the subject; a token without it is refused.</summary>
    public const string SubjectClaim = "sub";

    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            if (user.FindFirst(ApiKeyIdClaim) is { } keyId)
            {
                return "key:" + keyId.Value;
            }

            if (user.FindFirst(SubjectClaim) is { } subject)
            {
                return "sub:" + subject.Issuer + "|" + subject.Value;
            }

            return "user:" + user.FindFirst(ClaimTypes.Name)?.Value;
        }

        return "address:" + context.Connection.RemoteIpAddress;
    }
}
