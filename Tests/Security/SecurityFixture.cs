using Microsoft.Extensions.Logging;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Security;

/// <summary>
/// One silo with authentication on (an API key per role, one of the former shape without roles, and JWT with a shared
/// signing key whose roles come from the scope claim), a password-protected Redis, Kafka client secrets, an allowed
/// origin, and every log line captured. Its limits are wide: <see cref="LimitsFixture"/> has the tight ones.
/// </summary>
public sealed class SecurityFixture : InProcessClusterFixture
{
    /// <summary>A key of the former shape (a name, no roles): it keeps every role.</summary>
    public const string ApiKey = "frontend-key-4b1d9c2e7a";
    public const string ReaderKey = "reader-key-0c5e81f2b7";
    public const string WriterKey = "writer-key-9a3d27c4e1";
    public const string OperatorKey = "operator-key-6f2b90d3a8";
    public const string AllowedOrigin = "https://app.example.test";
    public const string RoleClaim = "scope";
    public const string SigningKey = "jwt-signing-key-that-is-long-enough-for-hs512-0123456789abcdef0123";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "hotdata";
    public const string RedisPassword = "redis-pass-5e0c7b29";
    public const string KafkaPassword = "kafka-pass-a61f4d08";

    public CapturingLoggerProvider Logs { get; } = new();

    protected override InProcessClusterDescription Description => new("secure", Silos: 1, Partitions: 2)
    {
        ClientHost = false,
        RedisPassword = RedisPassword,
        ConfigureSilo = builder => builder.Logging.AddProvider(Logs),
        Settings = new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:ApiKeys:0:Name"] = "frontend",
            ["Security:ApiKeys:0:Key"] = ApiKey,
            ["Security:ApiKeys:1:Id"] = "reader-service",
            ["Security:ApiKeys:1:Key"] = ReaderKey,
            ["Security:ApiKeys:1:Roles:0"] = "reader",
            ["Security:ApiKeys:2:Id"] = "writer-service",
            ["Security:ApiKeys:2:Key"] = WriterKey,
            ["Security:ApiKeys:2:Roles:0"] = "writer",
            ["Security:ApiKeys:3:Id"] = "ops",
            ["Security:ApiKeys:3:Key"] = OperatorKey,
            ["Security:ApiKeys:3:Roles:0"] = "operator",
            ["Security:Jwt:SigningKey"] = SigningKey,
            ["Security:Jwt:Issuer"] = Issuer,
            ["Security:Jwt:Audience"] = Audience,
            ["Security:Jwt:RoleClaim"] = RoleClaim,
            ["Security:AllowedOrigins:0"] = AllowedOrigin,
            ["Security:RateLimit:PermitsPerSecond"] = "100000",
            ["Security:RateLimit:Burst"] = "100000",
            ["Security:RateLimit:FailedAuthenticationsPerMinute"] = "100000",
            ["Kafka:ClientConfig:sasl.username"] = "hotdata",
            ["Kafka:ClientConfig:sasl.password"] = KafkaPassword,
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Orleans"] = "Debug",
        },
    };
}
