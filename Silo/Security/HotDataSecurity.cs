using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OrleansHotData.Silo.Hosting;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// Authentication (API keys and JWT bearer), the role policies of the endpoints, a fallback policy that protects every
/// endpoint not marked anonymous, limits per client identity, and the refusal of cross-site requests.
/// </summary>
public static partial class HotDataSecurity
{
    private const string SelectorScheme = "HotData";
    private const string CorsPolicy = "hotdata-allowed-origins";

    /// <summary>
    /// Registers authentication, authorization and the limits as <paramref name="settings"/> (the bound and validated
    /// <c>Security</c> section, see <see cref="SiloOptionsRegistration"/>) configure them.
    /// </summary>
    public static void AddHotDataSecurity(this WebApplicationBuilder builder, HotDataSecurityOptions settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.Services.AddSingleton<ClientRateLimiter>();
        builder.Services.AddSingleton<FailedAuthenticationLimiter>();
        builder.Services.AddSingleton<WatchAdmission>();

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
            authentication.AddJwtBearer(o => ConfigureJwt(o, settings.Jwt));
        }

        builder.Services.AddAuthorization(o =>
        {
            if (settings.RequireAuthentication)
            {
                // Everything is protected unless an endpoint says otherwise.
                o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            }

            var roleClaim = settings.Jwt.RoleClaim;
            foreach (var (policy, role) in new[] { (HotDataRoles.ReaderPolicy, HotDataRoles.Reader), (HotDataRoles.WriterPolicy, HotDataRoles.Writer), (HotDataRoles.OperatorPolicy, HotDataRoles.Operator) })
            {
                o.AddPolicy(policy, p => p.RequireAssertion(context => !settings.RequireAuthentication || HotDataRoles.Has(context.User, role, roleClaim)));
            }
        });

        if (settings.AllowedOrigins.Count > 0)
        {
            builder.Services.AddCors(o => o.AddPolicy(CorsPolicy, p => p
                .WithOrigins([.. settings.AllowedOrigins])
                .WithMethods("GET", "PUT", "PATCH", "POST", "DELETE")
                .WithHeaders("Content-Type", "Authorization", ApiKeyAuthenticationHandler.HeaderName, "If-Match", "If-None-Match", "Cache-Control", "Last-Event-ID")
                .WithExposedHeaders("ETag", "Retry-After", "Hotdata-Expires-At")));
        }
    }

    public static void UseHotDataSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<IOptions<HotDataSecurityOptions>>().Value;
        foreach (var (key, index) in settings.ApiKeys.Select((k, i) => (k, i)).Where(p => !string.IsNullOrEmpty(p.k.Key) && p.k.Roles.Count == 0))
        {
            LogKeyWithoutRoles(app.Logger, index, key.EffectiveId);
        }

        var origins = new CrossOriginGuard(settings.AllowedOrigins);
        app.Use((context, next) => origins.InvokeAsync(context, next));
        if (settings.AllowedOrigins.Count > 0)
        {
            app.UseCors(CorsPolicy);
        }

        var failures = app.Services.GetRequiredService<FailedAuthenticationLimiter>();
        app.Use(async (context, next) =>
        {
            // An address that has failed too often is refused before its credentials are even looked at.
            if (PresentsCredentials(context.Request) && failures.IsBlocked(context.Connection.RemoteIpAddress, out var retryAfter))
            {
                await LimitProblem.TooManyRequests(context, retryAfter, "Too many failed authentications from this address; retry after the Retry-After interval.")
                    .ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
    }

    private static bool PresentsCredentials(HttpRequest request) =>
        request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) || request.Headers.ContainsKey("Authorization");

    private static void ConfigureJwt(JwtBearerOptions o, HotDataSecurityOptions.JwtOptions jwt)
    {
        o.MapInboundClaims = false;
        o.Audience = jwt.Audience;
        var parameters = new TokenValidationParameters
        {
            ValidAudience = jwt.Audience,
            ValidateAudience = true,
            ValidateIssuer = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [.. jwt.EffectiveAlgorithms],
            ClockSkew = jwt.ClockSkew,
            NameClaimType = ClientIdentity.SubjectClaim,
            RoleClaimType = jwt.RoleClaim,
        };
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            // The issuer comes from the authority's discovery document.
            o.Authority = jwt.Authority;
            if (!string.IsNullOrWhiteSpace(jwt.Issuer))
            {
                parameters.ValidIssuer = jwt.Issuer;
            }
        }
        else
        {
            parameters.ValidIssuer = jwt.Issuer;
            parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey!));
        }

        o.TokenValidationParameters = parameters;
        o.Events = new JwtBearerEvents
        {
            OnAuthenticationFailed = context =>
            {
                context.HttpContext.RequestServices.GetRequiredService<FailedAuthenticationLimiter>().RecordFailure(context.HttpContext.Connection.RemoteIpAddress);
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // Limits are counted per subject: a token without one would share a bucket with every other such token.
                if (string.IsNullOrWhiteSpace(context.Principal?.FindFirst(ClientIdentity.SubjectClaim)?.Value))
                {
                    context.HttpContext.RequestServices.GetRequiredService<FailedAuthenticationLimiter>().RecordFailure(context.HttpContext.Connection.RemoteIpAddress);
                    context.Fail("The token has no sub claim.");
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>What is wrong with <paramref name="settings"/>, one sentence per setting, each naming it.</summary>
    internal static IEnumerable<string> Problems(HotDataSecurityOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.RequireAuthentication && !settings.HasCredentials)
        {
            yield return "Security:RequireAuthentication is true but no credentials are configured: set Security:ApiKeys:0:Key (with :Id and :Roles) or Security:Jwt (Authority with Audience, or SigningKey with Issuer and Audience); only a loopback development setup should set Security:RequireAuthentication=false.";
        }

        for (var i = 0; i < settings.ApiKeys.Count; i++)
        {
            var key = settings.ApiKeys[i];
            if (!string.IsNullOrEmpty(key.Key) && key.Key.Length < 16)
            {
                yield return $"Security:ApiKeys:{i}:Key must be at least 16 characters long.";
            }

            if (key.Roles.FirstOrDefault(r => !HotDataRoles.All.Contains(r)) is { } unknown)
            {
                yield return $"Security:ApiKeys:{i}:Roles contains '{unknown}'; the roles are {string.Join(", ", HotDataRoles.All)}.";
            }
        }

        if (settings.ApiKeys.Where(k => !string.IsNullOrEmpty(k.Key)).GroupBy(k => k.EffectiveId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } shared)
        {
            yield return $"Security:ApiKeys: the id '{shared.Key}' is given to {shared.Count()} keys; give each key its own Id (limits are counted per id).";
        }

        foreach (var problem in JwtProblems(settings.Jwt))
        {
            yield return problem;
        }

        if (settings.RateLimit.PermitsPerSecond < 0 || settings.RateLimit.Burst < 0 || settings.RateLimit.FailedAuthenticationsPerMinute < 0)
        {
            yield return "Security:RateLimit: PermitsPerSecond, Burst and FailedAuthenticationsPerMinute must not be negative.";
        }

        if (settings.Watch.MaxPerClient < 1 || settings.Watch.MaxPerSilo < 1)
        {
            yield return "Security:Watch: MaxPerClient and MaxPerSilo must be at least 1.";
        }

        if (settings.Watch.MaxBufferedBytes < 64 * 1024)
        {
            yield return $"Security:Watch:MaxBufferedBytes is {settings.Watch.MaxBufferedBytes}; it must be at least 65536.";
        }

        if (settings.AllowedOrigins.FirstOrDefault(o => !Uri.TryCreate(o, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || o.TrimEnd('/').Length != uri.GetLeftPart(UriPartial.Authority).Length) is { } badOrigin)
        {
            yield return $"Security:AllowedOrigins contains '{badOrigin}'; an origin is a scheme, host and port only, like https://app.example.com.";
        }
    }

    private static IEnumerable<string> JwtProblems(HotDataSecurityOptions.JwtOptions jwt)
    {
        if (!string.IsNullOrWhiteSpace(jwt.SigningKey))
        {
            if (Encoding.UTF8.GetByteCount(jwt.SigningKey) < 32)
            {
                yield return "Security:Jwt:SigningKey must be at least 32 bytes long.";
            }

            if (string.IsNullOrWhiteSpace(jwt.Issuer))
            {
                yield return "Security:Jwt:Issuer is not set: tokens checked with Security:Jwt:SigningKey are accepted only from a named issuer; set it to the iss your tokens carry.";
            }

            if (jwt.EffectiveAlgorithms.FirstOrDefault(a => !a.StartsWith("HS", StringComparison.Ordinal)) is { } asymmetric)
            {
                yield return $"Security:Jwt:Algorithms contains '{asymmetric}', which Security:Jwt:SigningKey (an HMAC key) cannot check; use HS256, HS384 or HS512.";
            }
        }

        if (jwt.IsConfigured && string.IsNullOrWhiteSpace(jwt.Audience))
        {
            yield return "Security:Jwt:Audience is not set: tokens are accepted only for a named audience; set it to the aud your tokens carry for this API.";
        }

        if (jwt.EffectiveAlgorithms.FirstOrDefault(a => string.Equals(a, "none", StringComparison.OrdinalIgnoreCase)) is not null)
        {
            yield return "Security:Jwt:Algorithms contains 'none': unsigned tokens are never accepted.";
        }

        if (jwt.ClockSkew < TimeSpan.Zero || jwt.ClockSkew > HotDataSecurityOptions.MaxClockSkew)
        {
            yield return $"Security:Jwt:ClockSkew is {jwt.ClockSkew}; it must be from 00:00:00 to 00:05:00.";
        }

        if (string.IsNullOrWhiteSpace(jwt.RoleClaim))
        {
            yield return "Security:Jwt:RoleClaim is empty; name the token claim that carries the roles (roles, scope, ...).";
        }
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning,
        Message = "Security:ApiKeys:{Index} ({KeyId}) has no roles and keeps every role (reader, writer, operator) as before; set its Roles (Roles:0=reader, writer or operator) and Id to give it only what it needs.")]
    private static partial void LogKeyWithoutRoles(ILogger logger, int index, string keyId);
}
