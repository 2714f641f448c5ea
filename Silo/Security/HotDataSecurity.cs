using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;
using OrleansHotData.Silo.Api;
using OrleansHotData.Silo.Hosting;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// Authentication (API keys and JWT bearer), a fallback policy that protects every endpoint not marked anonymous
/// (the API, the dashboard, metrics), and a per-client rate limit on the key API.
/// </summary>
public static class HotDataSecurity
{
    /// <summary>The rate-limiting policy of the key API.</summary>
    public const string RateLimitPolicy = "hotdata-api";

    private const string SelectorScheme = "HotData";

    public static void AddHotDataSecurity(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(HotDataSecurityOptions.SectionName);
        var settings = section.Get<HotDataSecurityOptions>() ?? new HotDataSecurityOptions();
        Validate(settings);
        builder.Services.Configure<HotDataSecurityOptions>(section);

        var authentication = builder.Services.AddAuthentication(SelectorScheme)
            // One default scheme that picks the handler by what the request carries.
            .AddPolicyScheme(SelectorScheme, SelectorScheme, o =>
            {
                o.ForwardDefaultSelector = context =>
                    ApiKeyAuthenticationHandler.PresentedKey(context.Request) is not null || !settings.Jwt.IsConfigured
                        ? ApiKeyAuthenticationHandler.SchemeName
                        : JwtBearerDefaults.AuthenticationScheme;
                o.ForwardChallenge = ApiKeyAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { });
        if (settings.Jwt.IsConfigured)
        {
            authentication.AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.Audience = settings.Jwt.Audience;
                if (!string.IsNullOrWhiteSpace(settings.Jwt.Authority))
                {
                    o.Authority = settings.Jwt.Authority;
                }
                else
                {
                    o.TokenValidationParameters = new TokenValidationParameters
                    {
                        ValidIssuer = settings.Jwt.Issuer,
                        ValidateIssuer = !string.IsNullOrWhiteSpace(settings.Jwt.Issuer),
                        ValidAudience = settings.Jwt.Audience,
                        ValidateAudience = !string.IsNullOrWhiteSpace(settings.Jwt.Audience),
                        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Jwt.SigningKey!)),
                        NameClaimType = "sub",
                    };
                }
            });
        }

        builder.Services.AddAuthorization(o =>
        {
            if (settings.RequireAuthentication)
            {
                // Everything is protected unless an endpoint says otherwise.
                o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            }
        });

        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await ApiProblem.TooManyRequests("The client's request rate is over its limit; retry after the Retry-After interval.")
                    .ExecuteAsync(context.HttpContext);
            };
            o.AddPolicy(RateLimitPolicy, context =>
            {
                var limit = settings.RateLimit;
                if (limit.PermitsPerSecond <= 0)
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                var client = context.User.Identity?.IsAuthenticated == true
                    ? "user:" + context.User.Identity.Name
                    : "address:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(limit.Burst, 1),
                    TokensPerPeriod = limit.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
    }

    public static void UseHotDataSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    private static void Validate(HotDataSecurityOptions settings)
    {
        if (settings.RequireAuthentication && !settings.HasCredentials)
        {
            throw new SiloConfigurationException(
                "Security:RequireAuthentication is true but no credentials are configured: set Security:ApiKeys:0:Key or Security:Jwt (Authority, or SigningKey with Issuer and Audience); only a loopback development setup should set Security:RequireAuthentication=false.");
        }

        if (settings.ApiKeys.Any(k => !string.IsNullOrEmpty(k.Key) && k.Key.Length < 16))
        {
            throw new SiloConfigurationException("Security:ApiKeys: every key must be at least 16 characters long.");
        }

        if (!string.IsNullOrWhiteSpace(settings.Jwt.SigningKey) && Encoding.UTF8.GetByteCount(settings.Jwt.SigningKey) < 32)
        {
            throw new SiloConfigurationException("Security:Jwt:SigningKey must be at least 32 bytes long.");
        }

        if (settings.RateLimit.PermitsPerSecond < 0 || settings.RateLimit.Burst < 0)
        {
            throw new SiloConfigurationException("Security:RateLimit: PermitsPerSecond and Burst must not be negative.");
        }
    }
}
