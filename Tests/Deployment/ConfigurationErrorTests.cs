using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Deployment;

/// <summary>A missing or malformed setting stops the silo with exit code 2 and one line naming it — no stack trace.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ConfigurationErrorTests
{
    [Theory]
    [InlineData("ConnectionStrings__Redis", "", "ConnectionStrings:Redis is not set")]
    [InlineData("Orleans__Endpoints__SiloPort", "abc", "'Orleans:Endpoints:SiloPort'")]
    [InlineData("HotData__MaxKeyBytes", "0", "MaxKeyBytes")]
    [InlineData("HotDataApi__NearCache__MaxStaleness", "00:00:00.01", "HotDataApi:NearCache:MaxStaleness must be from")]
    [InlineData("Kafka__CommitInterval", "soon", "'Kafka:CommitInterval'")]
    [InlineData("Kafka__Topics__0__Partitions", "0", "Partitions")]
    [InlineData("Kafka__CacheSize", "lots", "Kafka:CacheSize")]
    [InlineData("Kafka__StreamInactivityPeriod", "soon", "Kafka:StreamInactivityPeriod")]
    [InlineData("Orleans__GrainCollection__CollectionAge", "00:00:30", "Orleans:GrainCollection:CollectionAge")]
    [InlineData("Kafka__ClientConfig__group.id", "mine", "group.id")]
    [InlineData("Security__RequireAuthentication", "true", "Security:RequireAuthentication")]
    [InlineData("Security__Jwt__SigningKey", "short", "Security:Jwt:SigningKey")]
    [InlineData("Urls", "https://127.0.0.1:0", "Kestrel:Certificates:Default:Path is not set")]
    [InlineData("Kestrel__Certificates__Default__Path", "/nonexistent/api.pem", "Kestrel:Certificates:Default:Path is '/nonexistent/api.pem'")]
    [InlineData("Redis__TlsCaPath", "/nonexistent/ca.pem", "Redis:TlsCaPath")]
    [InlineData("Orleans__Endpoints__GatewayPort", "70000", "Orleans:Endpoints:GatewayPort is 70000")]
    [InlineData("Orleans__ClusterId", " ", "Orleans:ClusterId is empty")]
    [InlineData("Shutdown__GracePeriod", "-00:00:05", "Shutdown:GracePeriod is -00:00:05")]
    [InlineData("Shutdown__GracePeriod", "later", "'Shutdown:GracePeriod'")]
    public async Task A_bad_setting_stops_the_silo_with_one_line_naming_it(string name, string value, string named)
    {
        var environment = new Dictionary<string, string>
        {
            // Nothing listens here: the silo must refuse its configuration before it tries to connect.
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{FreePort.Next()}",
            ["Security__RequireAuthentication"] = "false",
            ["Kafka__BootstrapServers"] = $"127.0.0.1:{FreePort.Next()}",
            [name] = value,
        };

        var outcome = await SiloCommand.RunToExitAsync(environment, TimeSpan.FromSeconds(90));

        Assert.Equal(2, outcome.ExitCode);
        var lastLine = outcome.Errors.Trim().Split('\n')[^1];
        Assert.StartsWith("Configuration error: ", lastLine, StringComparison.Ordinal);
        Assert.Contains(named, lastLine, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Errors, StringComparison.Ordinal);
    }
}
