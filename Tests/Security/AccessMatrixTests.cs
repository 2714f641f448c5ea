using System.Net.Http.Headers;
using System.Text;

namespace OrleansHotData.Tests.Security;

/// <summary>
/// Every endpoint against every kind of caller: who is let in (2xx), who is not known (401) and who is known but lacks
/// the role (403).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class AccessMatrixTests(SecurityFixture fixture) : IClassFixture<SecurityFixture>
{
    private const int Allowed = 200;
    private const int Unauthenticated = 401;
    private const int Forbidden = 403;

    private static readonly string[] Identities =
        ["anonymous", "reader", "writer", "operator", "legacy-key", "reader-token", "writer-token", "operator-token", "wrong-key", "token-other-audience", "token-other-issuer"];

    private static readonly string[] Endpoints =
        ["get", "batchGet", "watch", "put", "patch", "incr", "delete", "dashboard", "ops", "ops-stats", "ops-cluster", "metrics", "openapi", "health-ready", "health-live"];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var identity in Identities)
            {
                data.Add(endpoint, identity);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_endpoint_admits_only_the_roles_it_needs(string endpoint, string identity)
    {
        var key = "matrix-" + Guid.NewGuid().ToString("N");
        await fixture.Silo.Grains.GetGrain<IHotDataGrain>(key).ApplyAsync(new HotDataChange(ChangeOperation.Set, """{"n":1}""", null, null));

        using var request = Request(endpoint, key);
        Authenticate(request, identity);
        using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        var expected = Expected(endpoint, identity);
        var actual = (int)response.StatusCode;
        if (expected == Allowed)
        {
            Assert.True(actual is >= 200 and < 300, $"{identity} on {endpoint}: expected 2xx, got {actual}");
        }
        else
        {
            Assert.True(expected == actual, $"{identity} on {endpoint}: expected {expected}, got {actual}");
        }
    }

    private static int Expected(string endpoint, string identity)
    {
        var role = endpoint switch
        {
            "get" or "batchGet" or "watch" => "reader",
            "put" or "patch" or "incr" or "delete" => "writer",
            "health-ready" or "health-live" => null,
            _ => "operator",
        };
        if (role is null)
        {
            return Allowed;
        }

        var held = identity switch
        {
            "reader" or "reader-token" => new[] { "reader" },
            "writer" or "writer-token" => ["reader", "writer"],
            "operator" or "operator-token" => ["operator"],
            "legacy-key" => ["reader", "writer", "operator"],
            _ => null,
        };
        return held is null ? Unauthenticated : held.Contains(role) ? Allowed : Forbidden;
    }

    private static HttpRequestMessage Request(string endpoint, string key) => endpoint switch
    {
        "get" => new(HttpMethod.Get, "/v1/keys/" + key),
        "batchGet" => new(HttpMethod.Post, "/v1/keys:batchGet") { Content = Json($$"""{"keys":["{{key}}"]}""") },
        "watch" => new(HttpMethod.Get, "/v1/keys/" + key + "/watch"),
        "put" => new(HttpMethod.Put, "/v1/keys/" + key) { Content = Json("""{"n":2}""") },
        "patch" => new(HttpMethod.Patch, "/v1/keys/" + key) { Content = Json("""{"m":3}""") },
        "incr" => new(HttpMethod.Post, "/v1/keys/" + key + "/incr") { Content = Json("""{"n":1}""") },
        "delete" => new(HttpMethod.Delete, "/v1/keys/" + key),
        "dashboard" => new(HttpMethod.Get, "/dashboard/"),
        "ops" => new(HttpMethod.Get, "/ops"),
        "ops-stats" => new(HttpMethod.Get, "/ops/stats"),
        "ops-cluster" => new(HttpMethod.Get, "/ops/cluster"),
        "metrics" => new(HttpMethod.Get, "/metrics"),
        "openapi" => new(HttpMethod.Get, "/openapi/v1.json"),
        "health-ready" => new(HttpMethod.Get, "/health/ready"),
        "health-live" => new(HttpMethod.Get, "/health/live"),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
    };

    private static void Authenticate(HttpRequestMessage request, string identity)
    {
        switch (identity)
        {
            case "anonymous":
                break;
            case "reader":
                request.Headers.Add("X-Api-Key", SecurityFixture.ReaderKey);
                break;
            case "writer":
                request.Headers.Add("X-Api-Key", SecurityFixture.WriterKey);
                break;
            case "operator":
                request.Headers.Add("X-Api-Key", SecurityFixture.OperatorKey);
                break;
            case "legacy-key":
                request.Headers.Add("X-Api-Key", SecurityFixture.ApiKey);
                break;
            case "wrong-key":
                request.Headers.Add("X-Api-Key", "not-a-configured-key-0000");
                break;
            case "reader-token":
                request.Headers.Authorization = Bearer(SecurityTokens.Create("reader"));
                break;
            case "writer-token":
                request.Headers.Authorization = Bearer(SecurityTokens.Create("writer"));
                break;
            case "operator-token":
                request.Headers.Authorization = Bearer(SecurityTokens.Create("operator"));
                break;
            case "token-other-audience":
                request.Headers.Authorization = Bearer(SecurityTokens.Create("reader writer operator", audience: "another-api"));
                break;
            case "token-other-issuer":
                request.Headers.Authorization = Bearer(SecurityTokens.Create("reader writer operator", issuer: "https://other-issuer.test"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(identity), identity, null);
        }
    }

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
