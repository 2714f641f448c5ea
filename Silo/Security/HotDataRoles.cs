using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// The roles and the authorization policies that require them: <c>reader</c> reads and watches keys, <c>writer</c>
/// also changes them, <c>operator</c> sees the dashboard, <c>/ops</c>, <c>/metrics</c>, the OpenAPI document and the
/// health details. Roles are independent but for writer including reader.
/// </summary>
public static class HotDataRoles
{
    public const string Reader = "reader";
    public const string Writer = "writer";
    public const string Operator = "operator";

    /// <summary>The policy of the key reads and watches.</summary>
    public const string ReaderPolicy = "hotdata-reader";

    /// <summary>The policy of the key writes.</summary>
    public const string WriterPolicy = "hotdata-writer";

    /// <summary>The policy of the operator pages.</summary>
    public const string OperatorPolicy = "hotdata-operator";

    /// <summary>The roles a key configured without any keeps (the former shape, when every key could do everything).</summary>
    public static readonly IReadOnlyList<string> All = [Reader, Writer, Operator];

    /// <summary>Whether <paramref name="user"/> holds <paramref name="role"/>, from role claims or the configured token claim.</summary>
    public static bool Has(ClaimsPrincipal user, string role, string tokenRoleClaim)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        foreach (var claim in user.Claims)
        {
            if (claim.Type != ClaimTypes.Role && claim.Type != tokenRoleClaim)
            {
                continue;
            }

            // A scope claim is one space-separated string; a roles claim one value per claim.
            foreach (var value in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (value == role || (role == Reader && value == Writer))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether the caller may see operator detail: it holds the role, or authentication is off.</summary>
    public static bool IsOperator(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.RequestServices.GetRequiredService<IOptions<HotDataSecurityOptions>>().Value;
        return !settings.RequireAuthentication || Has(context.User, Operator, settings.Jwt.RoleClaim);
    }
}
