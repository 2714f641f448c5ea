namespace OrleansHotData.Silo.Security;

/// <summary>Who may call the HTTP API and the dashboard, what each may do, and how fast; bound from the <c>Security</c> section.</summary>
public sealed class HotDataSecurityOptions
{
    public const string SectionName = "Security";
    public const int DefaultPermitsPerSecond = 2000;
    public const int DefaultBurst = 4000;
    public const int DefaultFailedAuthenticationsPerMinute = 30;
    public const int DefaultWatchesPerClient = 32;
    public const int DefaultWatchesPerSilo = 10_000;
    public const int DefaultWatchBufferBytes = 2 * 1024 * 1024;
    public const string DefaultRoleClaim = "roles";
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Require an API key or a JWT bearer token with the endpoint's role on every endpoint but the health probes.
    /// Default true; only a development setup on loopback should turn it off (then every caller may do everything).
    /// </summary>
    public bool RequireAuthentication { get; set; } = true;

    /// <summary>Accepted API keys, sent as <c>X-Api-Key: key</c> or <c>Authorization: ApiKey key</c>.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer validation.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Limits per client identity (API key id, token subject; the address when authentication is off).</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Limits of the watch streams (<c>GET /v1/keys/{key}/watch</c>).</summary>
    public WatchLimitOptions Watch { get; set; } = new();

    /// <summary>Which of the dashboard's views of data are served at all (to operators).</summary>
    public DashboardViewOptions Dashboard { get; set; } = new();

    /// <summary>
    /// Origins (<c>https://app.example.com</c>) whose browser pages may call the API. Empty (the default): a request
    /// whose <c>Origin</c> is not the silo's own is refused with 403.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Whether any way to authenticate is configured.</summary>
    public bool HasCredentials => ApiKeys.Any(k => !string.IsNullOrEmpty(k.Key)) || Jwt.IsConfigured;

    /// <summary>One API key.</summary>
    public sealed class ApiKeyOptions
    {
        /// <summary>Who holds the key: the caller's identity in logs and rate limits.</summary>
        public string? Id { get; set; }

        /// <summary>The former name of <see cref="Id"/>, still read when <see cref="Id"/> is not set.</summary>
        public string? Name { get; set; }

        /// <summary>The secret key. Never logged.</summary>
        public string Key { get; set; } = "";

        /// <summary>
        /// What the key may do: <c>reader</c>, <c>writer</c> (includes reader), <c>operator</c>. A key configured
        /// without roles (the former shape) keeps every role, and the silo warns at start-up.
        /// </summary>
        public List<string> Roles { get; set; } = [];

        /// <summary>The identity the key stands for.</summary>
        public string EffectiveId => !string.IsNullOrWhiteSpace(Id) ? Id : !string.IsNullOrWhiteSpace(Name) ? Name : "api-key";
    }

    /// <summary>JWT bearer settings: an OpenID authority, or a symmetric signing key with issuer and audience.</summary>
    public sealed class JwtOptions
    {
        /// <summary>The token issuer's OpenID Connect authority (its signing keys are fetched from there).</summary>
        public string? Authority { get; set; }

        /// <summary>The expected audience. Required.</summary>
        public string? Audience { get; set; }

        /// <summary>The expected issuer; required with <see cref="SigningKey"/>.</summary>
        public string? Issuer { get; set; }

        /// <summary>A shared HMAC signing key of at least 32 bytes (UTF-8), instead of an authority. Never logged.</summary>
        public string? SigningKey { get; set; }

        /// <summary>
        /// The claim that carries the caller's roles (a JSON array, or a space-separated list as in <c>scope</c>).
        /// Default <c>roles</c>.
        /// </summary>
        public string RoleClaim { get; set; } = DefaultRoleClaim;

        /// <summary>
        /// The signing algorithms accepted. Default <c>HS256</c> with <see cref="SigningKey"/>, <c>RS256</c>,
        /// <c>PS256</c> and <c>ES256</c> with <see cref="Authority"/>; <c>none</c> is never accepted.
        /// </summary>
        public List<string> Algorithms { get; set; } = [];

        /// <summary>How far token lifetimes may be off the silo's clock. Default 30 seconds, at most 5 minutes.</summary>
        public TimeSpan ClockSkew { get; set; } = DefaultClockSkew;

        /// <summary>Whether JWT validation is configured.</summary>
        public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);

        /// <summary>The algorithms in force: the configured ones, else the default for the kind of key.</summary>
        public IReadOnlyList<string> EffectiveAlgorithms => Algorithms.Count > 0
            ? Algorithms
            : !string.IsNullOrWhiteSpace(SigningKey) ? ["HS256"] : ["RS256", "PS256", "ES256"];
    }

    /// <summary>A token bucket per client identity, and a budget of failed authentications per remote address.</summary>
    public sealed class RateLimitOptions
    {
        /// <summary>
        /// Permits per second each client gets on average; a request costs one, a <c>batchGet</c> one per key.
        /// 0 turns the limit off. Default 2000.
        /// </summary>
        public int PermitsPerSecond { get; set; } = DefaultPermitsPerSecond;

        /// <summary>Permits a client may spend at once above the average (the bucket's size). Default 4000.</summary>
        public int Burst { get; set; } = DefaultBurst;

        /// <summary>
        /// Failed authentications an address may make per minute (and at once) before its requests carrying
        /// credentials are refused with 429. 0 turns the limit off. Default 30.
        /// </summary>
        public int FailedAuthenticationsPerMinute { get; set; } = DefaultFailedAuthenticationsPerMinute;
    }

    /// <summary>The dashboard's views that show more than counters; both only ever to operators.</summary>
    public sealed class DashboardViewOptions
    {
        /// <summary>Serve the live log stream (the dashboard's Trace view). Default true.</summary>
        public bool LogStream { get; set; } = true;

        /// <summary>Serve any grain's state (the dashboard's grain-state view), which shows stored values. Default true.</summary>
        public bool GrainState { get; set; } = true;
    }

    /// <summary>Caps on watch streams, which hold a connection and memory for as long as they are open.</summary>
    public sealed class WatchLimitOptions
    {
        /// <summary>Open watch streams one client identity may hold on one silo; over it: 429. Default 32.</summary>
        public int MaxPerClient { get; set; } = DefaultWatchesPerClient;

        /// <summary>Open watch streams on one silo, all clients together; over it: 503. Default 10,000.</summary>
        public int MaxPerSilo { get; set; } = DefaultWatchesPerSilo;

        /// <summary>
        /// Bytes of events one stream may hold for a slow reader; past it the oldest are dropped (each event carries
        /// the whole value, so the reader still ends on the latest). The newest event is always kept, however large.
        /// Default 2 MiB.
        /// </summary>
        public int MaxBufferedBytes { get; set; } = DefaultWatchBufferBytes;
    }
}
