using System.Globalization;
using System.Net;
using System.Text;
using OrleansHotData.Tests.Infrastructure;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Security;

/// <summary>
/// The silo's own connections secured, each against the real thing: a <c>redis-server</c> that requires a password,
/// one that serves only TLS, and the HTTP API served over HTTPS with a configured certificate.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class InfrastructureSecurityTests
{
    private const string RedisPassword = "redis-password-for-this-test-7c1f";

    [Fact]
    public async Task A_silo_uses_a_password_protected_redis_with_the_password_from_its_own_setting()
    {
        await using var redis = await RedisServer.StartAsync(password: RedisPassword);
        await using var silo = await StartSiloAsync($"127.0.0.1:{redis.Port}", new() { ["Redis:Password"] = RedisPassword });
        using var http = new HttpClient { BaseAddress = new Uri(silo.HttpUrl) };

        await AssertWriteAndReadAsync(http, "secured-redis");

        // The state is in that Redis (read with the password), and the password is nowhere in the silo's log.
        await using var direct = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},password={RedisPassword}");
        var keys = direct.GetServer("127.0.0.1", redis.Port).Keys(pattern: "*secured-redis*").ToList();
        Assert.NotEmpty(keys);
        Assert.Empty(silo.LogLinesContaining(RedisPassword));
    }

    [Theory]
    [InlineData("wrong-password-for-this-test", "refused the user name or password")]
    [InlineData(null, "requires a password and none was given")]
    public async Task A_refused_redis_password_stops_the_silo_with_one_line_that_does_not_echo_it(string? password, string said)
    {
        await using var redis = await RedisServer.StartAsync(password: RedisPassword);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{redis.Port}",
            ["Security__RequireAuthentication"] = "false",
        };
        if (password is not null)
        {
            environment["Redis__Password"] = password;
        }

        var outcome = await SiloCommand.RunToExitAsync(environment, TimeSpan.FromSeconds(90));

        var lastLine = AssertOneLineConfigurationError(outcome);
        Assert.Contains(said, lastLine, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Redis and the Redis section", lastLine, StringComparison.Ordinal);
        Assert.DoesNotContain(password ?? RedisPassword, outcome.Output + outcome.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_uses_a_tls_only_redis_trusting_the_configured_authority()
    {
        using var certificates = TestCertificates.Create();
        await using var redis = await RedisServer.StartAsync(password: RedisPassword, tls: certificates);
        await using var silo = await StartSiloAsync($"127.0.0.1:{redis.Port}", new()
        {
            ["Redis:Password"] = RedisPassword,
            ["Redis:Tls"] = "true",
            ["Redis:TlsCaPath"] = certificates.AuthorityPath,
        });
        using var http = new HttpClient { BaseAddress = new Uri(silo.HttpUrl) };

        await AssertWriteAndReadAsync(http, "tls-redis");
    }

    [Fact]
    public async Task A_tls_redis_whose_certificate_is_not_trusted_stops_the_silo_with_one_line()
    {
        using var certificates = TestCertificates.Create();
        await using var redis = await RedisServer.StartAsync(password: RedisPassword, tls: certificates);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{redis.Port},ssl=true",
            ["Redis__Password"] = RedisPassword,
            ["Security__RequireAuthentication"] = "false",
        };

        var outcome = await SiloCommand.RunToExitAsync(environment, TimeSpan.FromSeconds(90));

        var lastLine = AssertOneLineConfigurationError(outcome);
        Assert.Contains("certificate", lastLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_is_served_over_https_with_the_configured_certificate_and_its_probe_accepts_it()
    {
        using var certificates = TestCertificates.Create();
        await using var redis = await RedisServer.StartAsync();
        var port = FreePort.Next();
        var url = $"https://127.0.0.1:{port}";
        var tls = new Dictionary<string, string>
        {
            ["Urls"] = url,
            ["Kestrel__Certificates__Default__Path"] = certificates.ServerCertificatePath,
            ["Kestrel__Certificates__Default__KeyPath"] = certificates.ServerKeyPath,
        };
        await using var silo = await StartSiloAsync(redis.ConnectionString, tls.ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value));

        // A client that trusts that certificate (pinned) reads and writes.
        using (var pinned = new HttpClient(certificates.PinnedHandler()) { BaseAddress = new Uri(url) })
        {
            await AssertWriteAndReadAsync(pinned, "over-https");
        }

        // A client trusting only the machine's authorities refuses it: it is the configured certificate, not another.
        using (var strict = new HttpClient { BaseAddress = new Uri(url) })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync("/health/live"));
        }

        // Cleartext HTTP on the HTTPS port gets no answer from the API.
        using (var cleartext = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
        {
            var answered = await AnswersAsync(cleartext, "/v1/keys/over-https");
            Assert.False(answered, "a cleartext request on the HTTPS port was answered with a success");
        }

        // The image's health check (--health-probe) accepts the silo's own certificate, and only with it configured.
        var probe = await SiloCommand.RunToExitAsync(tls, TimeSpan.FromSeconds(30), "--health-probe");
        Assert.True(probe.ExitCode == 0, $"probe: {probe.Output} {probe.Errors}");
        Assert.StartsWith("200 ", probe.Output, StringComparison.Ordinal);
        var untrusting = await SiloCommand.RunToExitAsync(new Dictionary<string, string> { ["Urls"] = url }, TimeSpan.FromSeconds(30), "--health-probe");
        Assert.Equal(1, untrusting.ExitCode);
    }

    private static async Task<SiloProcess> StartSiloAsync(string redisConnectionString, Dictionary<string, string?> settings) =>
        await SiloProcess.StartAsync(
            "silo",
            redisConnectionString,
            "infra-security-" + Guid.NewGuid().ToString("N")[..8],
            TestArtifacts.Directory(nameof(InfrastructureSecurityTests) + "-" + Guid.NewGuid().ToString("N")[..8]),
            settings);

    private static async Task AssertWriteAndReadAsync(HttpClient http, string key)
    {
        var value = string.Create(CultureInfo.InvariantCulture, $"{{\"at\":{Environment.TickCount64}}}");
        using var written = await http.PutAsync($"/v1/keys/{key}", new StringContent(value, Encoding.UTF8, "application/json"));
        Assert.True(written.IsSuccessStatusCode, $"PUT answered {(int)written.StatusCode}: {await written.Content.ReadAsStringAsync()}");
        using var read = await http.GetAsync($"/v1/keys/{key}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains(value[1..^1], await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<bool> AnswersAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string AssertOneLineConfigurationError(SiloCommand.Outcome outcome)
    {
        Assert.True(outcome.ExitCode == 2, $"exit code {outcome.ExitCode}: {outcome.Errors}");
        var lastLine = outcome.Errors.Trim().Split('\n')[^1];
        Assert.StartsWith("Configuration error: ", lastLine, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Errors, StringComparison.Ordinal);
        return lastLine;
    }
}
