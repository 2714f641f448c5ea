using Microsoft.Extensions.Logging;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Security;

/// <summary>
/// One silo with authentication on (an API key and JWT with a shared signing key), a password-protected Redis, Kafka
/// client secrets, a small rate limit, and every log line captured.
/// </summary>
public sealed class SecurityFixture : IAsyncLifetime
{
    public const string ApiKey = "frontend-key-4b1d9c2e7a";
    public const string LimitedApiKey = "limited-key-88f0a3d1c6";
    public const string SigningKey = "jwt-signing-key-that-is-long-enough-0123456789";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "hotdata";
    public const string RedisPassword = "redis-pass-5e0c7b29";
    public const string KafkaPassword = "kafka-pass-a61f4d08";
    public const int PermitsPerSecond = 20;

    public EmbeddedKafkaCluster Kafka { get; } = EmbeddedKafkaCluster.Start();

    public RedisServer Redis { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync(password: RedisPassword);
        var topic = "secure-" + Guid.NewGuid().ToString("N")[..8];
        Kafka.CreateTopic(topic, 2);
        Kafka.CreateTopic(topic + ".dlq", 2);
        Silo = await TestSilo.StartAsync(Redis.ConnectionString, "secure-" + Guid.NewGuid().ToString("N")[..8], new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:ApiKeys:0:Name"] = "frontend",
            ["Security:ApiKeys:0:Key"] = ApiKey,
            ["Security:ApiKeys:1:Name"] = "limited",
            ["Security:ApiKeys:1:Key"] = LimitedApiKey,
            ["Security:Jwt:SigningKey"] = SigningKey,
            ["Security:Jwt:Issuer"] = Issuer,
            ["Security:Jwt:Audience"] = Audience,
            ["Security:RateLimit:PermitsPerSecond"] = PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Security:RateLimit:Burst"] = PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
            ["Kafka:Topics:0:Name"] = topic,
            ["Kafka:Topics:0:Partitions"] = "2",
            ["Kafka:ClientConfig:sasl.username"] = "hotdata",
            ["Kafka:ClientConfig:sasl.password"] = KafkaPassword,
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Orleans"] = "Debug",
        }, builder => builder.Logging.AddProvider(Logs));
        Http = new HttpClient { BaseAddress = new Uri(Silo.HttpUrl) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Silo.DisposeAsync();
        await Redis.DisposeAsync();
        Kafka.Dispose();
    }
}
