using OrleansHotData.Silo.Security;

namespace OrleansHotData.Tests.Security;

/// <summary>Security settings the silo refuses at start-up, each with one line naming the setting.</summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class SecurityOptionsTests
{
    private const string SigningKey = "jwt-signing-key-that-is-long-enough-0123456789";

    private static HotDataSecurityOptions Jwt(Action<HotDataSecurityOptions.JwtOptions> configure)
    {
        var options = new HotDataSecurityOptions { Jwt = { SigningKey = SigningKey, Issuer = "https://issuer.test", Audience = "hotdata" } };
        configure(options.Jwt);
        return options;
    }

    public static TheoryData<string, Func<HotDataSecurityOptions>> Refused() => new()
    {
        { "Security:Jwt:Issuer", () => Jwt(j => j.Issuer = null) },
        { "Security:Jwt:Audience", () => Jwt(j => j.Audience = null) },
        { "Security:Jwt:Audience", () => Jwt(j => { j.SigningKey = null; j.Authority = "https://login.example"; j.Audience = ""; }) },
        { "Security:Jwt:Algorithms", () => Jwt(j => j.Algorithms = ["RS256"]) },
        { "Security:Jwt:Algorithms", () => Jwt(j => { j.SigningKey = null; j.Authority = "https://login.example"; j.Algorithms = ["none"]; }) },
        { "Security:Jwt:ClockSkew", () => Jwt(j => j.ClockSkew = TimeSpan.FromMinutes(10)) },
        { "Security:ApiKeys:0:Roles", () => new HotDataSecurityOptions { ApiKeys = [new() { Id = "a", Key = "a-key-of-sixteen-chars", Roles = ["admin"] }] } },
        { "Security:ApiKeys", () => new HotDataSecurityOptions { ApiKeys = [new() { Id = "a", Key = "a-key-of-sixteen-chars", Roles = ["reader"] }, new() { Id = "a", Key = "another-key-of-sixteen", Roles = ["writer"] }] } },
        { "Security:Watch:MaxBufferedBytes", () => new HotDataSecurityOptions { ApiKeys = [new() { Id = "a", Key = "a-key-of-sixteen-chars", Roles = ["reader"] }], Watch = { MaxBufferedBytes = 1000 } } },
        { "Security:AllowedOrigins", () => new HotDataSecurityOptions { ApiKeys = [new() { Id = "a", Key = "a-key-of-sixteen-chars", Roles = ["reader"] }], AllowedOrigins = ["https://app.example/path"] } },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_setting_that_would_widen_access_is_refused_naming_it(string setting, Func<HotDataSecurityOptions> options)
    {
        var problem = Assert.Single(HotDataSecurity.Problems(options()));
        Assert.StartsWith(setting, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void A_signing_key_with_issuer_and_audience_is_accepted_and_pins_hs256()
    {
        var options = Jwt(_ => { });
        Assert.Empty(HotDataSecurity.Problems(options));
        Assert.Equal(["HS256"], options.Jwt.EffectiveAlgorithms);
    }
}
