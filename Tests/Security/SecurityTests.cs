using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansHotData.Tests.Security;

public sealed class SecurityTests(SecurityFixture fixture) : IClassFixture<SecurityFixture>
{
    private HttpClient Http => fixture.Http;

    private static string KeyPath() => "/v1/keys/" + Guid.NewGuid().ToString("N");

    private static HttpRequestMessage Get(string path, Action<HttpRequestHeaders>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        headers?.Invoke(request.Headers);
        return request;
    }

    private static string Token(string signingKey, DateTime? expires = null, string audience = SecurityFixture.Audience) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SecurityFixture.Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "frontend-service")]),
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task Unauthenticated_requests_are_refused_with_401()
    {
        using var response = await Http.SendAsync(Get(KeyPath()));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        using var write = await Http.PutAsync(KeyPath(), new StringContent("1"));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);

        using var openApi = await Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, openApi.StatusCode);
    }

    [Theory]
    [InlineData("X-Api-Key", "wrong-key-000000000000")]
    [InlineData("X-Api-Key", SecurityFixture.ApiKey + "x")]
    [InlineData("Authorization", "ApiKey frontend-key")]
    [InlineData("Authorization", "Bearer not.a.token")]
    public async Task Wrong_credentials_are_refused_with_401(string header, string value)
    {
        using var response = await Http.SendAsync(Get(KeyPath(), h => h.TryAddWithoutValidation(header, value)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Tokens_with_a_wrong_signature_audience_or_expiry_are_refused()
    {
        foreach (var token in new[]
        {
            Token("another-signing-key-that-is-long-enough-987654"),
            Token(SecurityFixture.SigningKey, audience: "someone-else"),
            Token(SecurityFixture.SigningKey, expires: DateTime.UtcNow.AddMinutes(-6)),
        })
        {
            using var response = await Http.SendAsync(Get(KeyPath(), h => h.Authorization = new AuthenticationHeaderValue("Bearer", token)));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_valid_api_key_or_token_is_let_in()
    {
        var path = KeyPath();
        using var put = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("""{"v":1}""") };
        put.Headers.Add("X-Api-Key", SecurityFixture.ApiKey);
        using var written = await Http.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);

        using var viaAuthorization = await Http.SendAsync(Get(path, h => h.TryAddWithoutValidation("Authorization", "ApiKey " + SecurityFixture.ApiKey)));
        Assert.Equal(HttpStatusCode.OK, viaAuthorization.StatusCode);

        using var viaToken = await Http.SendAsync(Get(path, h => h.Authorization = new AuthenticationHeaderValue("Bearer", Token(SecurityFixture.SigningKey))));
        Assert.Equal(HttpStatusCode.OK, viaToken.StatusCode);
        Assert.Equal("""{"v":1}""", await viaToken.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_probes_answer_without_credentials()
    {
        using var live = await Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Theory]
    [InlineData("/dashboard/")]
    [InlineData("/ops")]
    [InlineData("/metrics")]
    public async Task Dashboard_operations_page_and_metrics_need_credentials(string path)
    {
        using var anonymous = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        // A browser is offered Basic, with the API key as password.
        Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        using var wrong = await Http.SendAsync(Get(path, h => h.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:not-the-key-123456")))));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var browser = await Http.SendAsync(Get(path, h => h.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + SecurityFixture.ApiKey)))));
        Assert.Equal(HttpStatusCode.OK, browser.StatusCode);

        // A Prometheus scraper sends the key as "Authorization: ApiKey <key>".
        using var scraper = await Http.SendAsync(Get(path, h => h.TryAddWithoutValidation("Authorization", "ApiKey " + SecurityFixture.ApiKey)));
        Assert.Equal(HttpStatusCode.OK, scraper.StatusCode);
    }

    [Fact]
    public async Task A_client_over_its_rate_is_refused_with_429_and_retry_after()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, SecurityFixture.PermitsPerSecond * 5).Select(async _ =>
        {
            using var response = await Http.SendAsync(Get(KeyPath(), h => h.Add("X-Api-Key", SecurityFixture.LimitedApiKey)));
            return (response.StatusCode, response.Headers.RetryAfter, response.Content.Headers.ContentType?.MediaType);
        }));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.Equal("application/problem+json", r.MediaType));
        Assert.All(limited, r => Assert.NotNull(r.RetryAfter));
        // The bucket holds PermitsPerSecond tokens: at most that many plus one second's refill got through.
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.NotFound), 1, SecurityFixture.PermitsPerSecond * 3);

        // Another client's bucket is untouched.
        using var other = await Http.SendAsync(Get(KeyPath(), h => h.Add("X-Api-Key", SecurityFixture.ApiKey)));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_from_its_declared_length_without_being_read()
    {
        // Declares 200 MB and sends none of it: the answer must come from the headers alone.
        var response = await SendRawAsync(authority =>
            $"PUT {KeyPath()} HTTP/1.1\r\nHost: {authority}\r\nX-Api-Key: {SecurityFixture.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 413", response);
    }

    [Fact]
    public async Task A_malformed_request_is_refused_with_400()
    {
        var response = await SendRawAsync(authority => $"GET /v1/keys/a HTTP/1.1\r\nHost: {authority}\r\nA header without a colon\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400", response);
    }

    /// <summary>Writes raw request bytes, as no well-behaved client would, and returns the start of the answer.</summary>
    private async Task<string> SendRawAsync(Func<string, string> request)
    {
        var uri = new Uri(fixture.Silo.HttpUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request(uri.Authority)));
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    [Fact]
    public async Task Secrets_never_reach_the_logs()
    {
        // Exercise the paths that log: a refused key, a write through Redis, and the Kafka clients' start-up.
        (await Http.SendAsync(Get(KeyPath(), h => h.Add("X-Api-Key", "guess-" + SecurityFixture.ApiKey)))).Dispose();
        using var put = new HttpRequestMessage(HttpMethod.Put, KeyPath()) { Content = new StringContent("1") };
        put.Headers.Add("X-Api-Key", SecurityFixture.ApiKey);
        (await Http.SendAsync(put)).Dispose();

        var logs = fixture.Logs.Text;
        Assert.Contains("Kafka", logs, StringComparison.Ordinal);
        Assert.True(logs.Length > 1000, "the silo should have logged its start-up");
        foreach (var secret in new[] { SecurityFixture.ApiKey, SecurityFixture.LimitedApiKey, SecurityFixture.SigningKey, SecurityFixture.RedisPassword, SecurityFixture.KafkaPassword })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }
}
