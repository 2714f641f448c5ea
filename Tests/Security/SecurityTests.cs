using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OrleansHotData.Tests.Security;

[Trait(TestCategory.Name, TestCategory.Integration)]
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
        SecurityTokens.Create("reader writer", signingKey, audience: audience, expires: expires);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

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
        using var put = new HttpRequestMessage(HttpMethod.Put, path) { Content = Json("""{"v":1}""") };
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

    [Fact]
    public async Task Tokens_are_checked_strictly_algorithm_expiry_and_subject()
    {
        using var valid = await Http.SendAsync(Get(KeyPath(), h => h.Authorization = new AuthenticationHeaderValue("Bearer", SecurityTokens.Create("reader"))));
        Assert.Equal(HttpStatusCode.NotFound, valid.StatusCode);

        foreach (var (what, token) in new[]
        {
            // Signed with the right key but an algorithm the silo does not accept.
            ("HS512", SecurityTokens.Create("reader", algorithm: SecurityAlgorithms.HmacSha512)),
            // Past its expiry by more than the 30 s of clock skew (the library's default would allow 5 minutes).
            ("expired 2 minutes ago", SecurityTokens.Create("reader", expires: DateTime.UtcNow.AddMinutes(-2))),
            // Limits are counted per subject: a token without one is refused.
            ("no subject", SecurityTokens.Create("reader", subject: null)),
        })
        {
            using var response = await Http.SendAsync(Get(KeyPath(), h => h.Authorization = new AuthenticationHeaderValue("Bearer", token)));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"a token with {what}: expected 401, got {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Basic_is_accepted_and_offered_on_the_operator_pages_only()
    {
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + SecurityFixture.ApiKey)));
        using var read = await Http.SendAsync(Get(KeyPath(), h => h.Authorization = basic));
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.DoesNotContain(read.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        using var write = new HttpRequestMessage(HttpMethod.Put, KeyPath()) { Content = Json("1") };
        write.Headers.Authorization = basic;
        using var written = await Http.SendAsync(write);
        Assert.Equal(HttpStatusCode.Unauthorized, written.StatusCode);

        using var ops = await Http.SendAsync(Get("/ops", h => h.Authorization = basic));
        Assert.Equal(HttpStatusCode.OK, ops.StatusCode);
    }

    [Fact]
    public async Task A_cross_site_form_post_is_refused()
    {
        var key = "form-" + Guid.NewGuid().ToString("N");
        var grain = fixture.Silo.Grains.GetGrain<IHotDataGrain>(key);
        await grain.ApplyAsync(new HotDataChange(ChangeOperation.Set, """{"n":1}""", null, null));

        // What a browser sends for a form on another site, riding the operator's Basic login of the dashboard.
        HttpRequestMessage FormPost(string? origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/keys/{key}/incr")
            {
                Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("{\"n\":1000}", "")]),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + SecurityFixture.ApiKey)));
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            return request;
        }

        using (var request = FormPost("https://attacker.example"))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // Each defence holds on its own: without an Origin header Basic is not accepted here...
        using (var request = FormPost(null))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // ...and with a valid key a form's content type is still not a JSON write.
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/keys/{key}/incr") { Content = new StringContent("""{"n":1000}""", Encoding.UTF8, "text/plain") })
        {
            request.Headers.Add("X-Api-Key", SecurityFixture.WriterKey);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(1, (await grain.GetAsync())!.Version);
    }

    [Fact]
    public async Task Cross_origin_requests_are_refused_unless_the_origin_is_allowed()
    {
        using (var request = Get(KeyPath(), h => { h.Add("X-Api-Key", SecurityFixture.ReaderKey); h.Add("Origin", "https://attacker.example"); }))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var request = Get(KeyPath(), h => { h.Add("X-Api-Key", SecurityFixture.ReaderKey); h.Add("Origin", SecurityFixture.AllowedOrigin); }))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(SecurityFixture.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        foreach (var (origin, expected) in new[] { (SecurityFixture.AllowedOrigin, HttpStatusCode.NoContent), ("https://attacker.example", HttpStatusCode.Forbidden) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, KeyPath());
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "PUT");
            preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
            using var response = await Http.SendAsync(preflight);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task Anonymous_health_answers_carry_the_status_only_and_operators_get_the_details()
    {
        foreach (var path in new[] { "/health/ready", "/health/live" })
        {
            foreach (var key in new[] { null, SecurityFixture.ReaderKey, "wrong-key-0000000000000" })
            {
                using var response = await Http.SendAsync(Get(path, h => { if (key is not null) { h.Add("X-Api-Key", key); } }));
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(["status"], body.RootElement.EnumerateObject().Select(p => p.Name));
            }
        }

        using var detailed = await Http.SendAsync(Get("/health/ready", h => h.Add("X-Api-Key", SecurityFixture.OperatorKey)));
        using var details = JsonDocument.Parse(await detailed.Content.ReadAsStringAsync());
        Assert.True(details.RootElement.GetProperty("checks").TryGetProperty("redis", out _));
    }

    [Fact]
    public void A_key_without_roles_keeps_every_role_and_the_silo_says_how_to_narrow_it()
    {
        Assert.Contains("Security:ApiKeys:0 (frontend) has no roles", fixture.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_default_an_operator_sees_the_dashboards_log_stream_and_a_reader_does_not()
    {
        using (var request = Get("/dashboard/Trace", h => h.Add("X-Api-Key", SecurityFixture.OperatorKey)))
        using (var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var request = Get("/dashboard/Trace", h => h.Add("X-Api-Key", SecurityFixture.ReaderKey)))
        using (var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
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
        using var put = new HttpRequestMessage(HttpMethod.Put, KeyPath()) { Content = Json("1") };
        put.Headers.Add("X-Api-Key", SecurityFixture.ApiKey);
        (await Http.SendAsync(put)).Dispose();

        var logs = fixture.Logs.Text;
        Assert.Contains("Kafka", logs, StringComparison.Ordinal);
        Assert.True(logs.Length > 1000, "the silo should have logged its start-up");
        foreach (var secret in new[] { SecurityFixture.ApiKey, SecurityFixture.ReaderKey, SecurityFixture.WriterKey, SecurityFixture.OperatorKey, SecurityFixture.SigningKey, SecurityFixture.RedisPassword, SecurityFixture.KafkaPassword })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }
}
