namespace OrleansHotData.Silo.Security;

/// <summary>Who may call the HTTP API and the dashboard, and how fast; bound from the <c>Security</c> section.</summary>
public sealed class HotDataSecurityOptions
{
    public const string SectionName = "Security";
    public const int DefaultPermitsPerSecond = 2000;
    public const int DefaultBurst = 4000;

    /// <summary>
    /// Require an API key or a JWT bearer token on every endpoint but the health probes. Default true; only a
    /// development setup on loopback should turn it off.
    /// </summary>
    public bool RequireAuthentication { get; set; } = true;

    /// <summary>Accepted API keys, sent as <c>X-Api-Key: key</c> or <c>Authorization: ApiKey key</c>.</summary>
    public List<ApiKeySettings> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer validation.</summary>
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>Per-client request rate limit of the key API (clients told apart by identity, else address).</summary>
    public RateLimitSettings RateLimit { get; set; } = new();

    /// <summary>Whether any way to authenticate is configured.</summary>
    public bool HasCredentials => ApiKeys.Any(k => !string.IsNullOrEmpty(k.Key)) || Jwt.IsConfigured;

    /// <summary>One API key.</summary>
    public sealed class ApiKeySettings
    {
        /// <summary>Who holds the key: the caller's identity in logs and rate limits.</summary>
        public string Name { get; set; } = "api-key";

        /// <summary>The secret key. Never logged.</summary>
        public string Key { get; set; } = "";
    }

    /// <summary>JWT bearer settings: an OpenID authority, or a symmetric signing key with issuer and audience.</summary>
    public sealed class JwtSettings
    {
        /// <summary>The token issuer's OpenID Connect authority (its signing keys are fetched from there).</summary>
        public string? Authority { get; set; }

        /// <summary>The expected audience.</summary>
        public string? Audience { get; set; }

        /// <summary>The expected issuer (with <see cref="SigningKey"/>).</summary>
        public string? Issuer { get; set; }

        /// <summary>A shared HMAC signing key of at least 32 bytes (UTF-8), instead of an authority. Never logged.</summary>
        public string? SigningKey { get; set; }

        /// <summary>Whether JWT validation is configured.</summary>
        public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
    }

    /// <summary>A token bucket per client.</summary>
    public sealed class RateLimitSettings
    {
        /// <summary>Requests per second each client may make on average. 0 turns the limit off. Default 2000.</summary>
        public int PermitsPerSecond { get; set; } = DefaultPermitsPerSecond;

        /// <summary>Requests a client may make at once above the average. Default 4000.</summary>
        public int Burst { get; set; } = DefaultBurst;
    }
}
