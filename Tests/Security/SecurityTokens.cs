using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansHotData.Tests.Security;

/// <summary>Signs test tokens as an identity provider would, with every part open to being wrong.</summary>
public static class SecurityTokens
{
    public static string Create(
        string? roles,
        string signingKey = SecurityFixture.SigningKey,
        string issuer = SecurityFixture.Issuer,
        string audience = SecurityFixture.Audience,
        DateTime? expires = null,
        string algorithm = SecurityAlgorithms.HmacSha256,
        string? subject = "frontend-service")
    {
        var claims = new List<Claim>();
        if (subject is not null)
        {
            claims.Add(new Claim("sub", subject));
        }

        if (roles is not null)
        {
            claims.Add(new Claim(SecurityFixture.RoleClaim, roles));
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = expiry.AddMinutes(-20),
            IssuedAt = expiry.AddMinutes(-20),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), algorithm),
        });
    }
}
