using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// The HTTP half of the randomized input test: PUT, PATCH, POST incr and DELETE on <c>/v1/keys/{key}</c>, with
/// <c>?ttl=</c> and <c>If-Match</c>, one request at a time per key, each answer checked at once against the model.
/// The documented rules it checks: malformed key or body → 400, over the size limit → 413, missing key on delete → 404,
/// stale If-Match → 412, an increment the value cannot take → 400, a TTL outside 1 s … 10 years → 400; every refusal
/// a problem document (RFC 9457); never a 5xx; every success bumps the version by one and shows the model's value.
/// </summary>
public sealed class HttpInputSequence(InputGenerator generator, IReadOnlyList<HttpClient> http, string prefix, FailureLog failures)
{
    private static readonly string[] KeyVariants = ["", "-ключ", "-😀", "-e\u0301", "-שלום", "-a/b", "-50%", "-sp ace", "-q?x", "-h#x", "-\u202Ertl", "-日本"];

    /// <summary>One day, 60 days, 5 years, and the 10-year maximum: all legal, all beyond a grain timer's ~49.7 days but the first.</summary>
    private static readonly string[] LegalTtls = ["86400", "5184000", "157680000", "315360000"];

    private static readonly string[] IllegalTtls = ["0", "-1", "315360001", "abc", "2147483648", "99999999999999999999", "1.5", "", "1e3", "-2147483649"];

    private readonly List<KeyModel> _keys = [];
    private readonly List<(KeyModel Model, long Version)> _expiring = [];
    private readonly Dictionary<string, int> _coverage = new(StringComparer.Ordinal);

    /// <summary>How many requests of each kind were sent: the expected status and the rule or input kind.</summary>
    public string Coverage => string.Join("\n", _coverage.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"  {c.Value,4} × {c.Key}"));

    private string[] InvalidKeys =>
    [
        prefix + "-ctl\u0001", prefix + "-del\u007F", prefix + "-" + new string('x', 600), prefix + string.Concat(Enumerable.Repeat("😀", 130)),
    ];

    /// <summary>Sends <paramref name="count"/> generated requests over <paramref name="keyCount"/> keys, checking each answer.</summary>
    public async Task RunAsync(int count, int keyCount)
    {
        _keys.AddRange(Enumerable.Range(0, keyCount).Select(i => new KeyModel($"{prefix}-h{i}{KeyVariants[i % KeyVariants.Length]}")));
        var sent = 0;
        while (sent < count && _keys.Any(k => !k.Diverged))
        {
            var model = generator.Pick(_keys.Where(k => !k.Diverged).ToList());
            if (Plan(model) is not { } request)
            {
                continue;
            }

            sent++;
            await SendAndCheckAsync(model, request);
        }
    }

    /// <summary>Writes keys with a one-second TTL, to check after they expired that their versions do not repeat.</summary>
    public async Task WriteExpiringKeysAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var model = new KeyModel($"{prefix}-ttl{i}");
            var document = GeneratedDocument.Valid(generator.Counter(), generator.Layout(), "counter");
            var request = new PlannedRequest(HttpMethod.Put, model.Key, "ttl=1", null, document, new ExpectedAnswer(200, document.Tree, "a one-second TTL is legal"));
            await SendAndCheckAsync(model, request);
            if (!model.Diverged)
            {
                _expiring.Add((model, model.Version));
            }
        }
    }

    /// <summary>
    /// Checks every key's final value and version; then, once each expiring key reads as absent, that the ETag of its
    /// earlier life is refused (412) and that a new write gets a version above every earlier one.
    /// </summary>
    public async Task VerifyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var model in _keys.Where(k => !k.Diverged))
        {
            if (!await BecomesTrueAsync(async () => Matches(model, await ReadAsync(model.Key)), deadline))
            {
                failures.Add("final state matches the model", $"HTTP key {Show(model.Key)}: final state expected {ShowState(model.Value, model.Version)}, got {await ReadAsync(model.Key)}\n    last inputs:\n      {model.RecentHistory()}");
            }
        }

        foreach (var (model, version) in _expiring)
        {
            if (!await BecomesTrueAsync(async () => (await ReadAsync(model.Key)).Status == HttpStatusCode.NotFound, deadline))
            {
                failures.Add("a value expires after its TTL", $"HTTP key {Show(model.Key)}: written with ?ttl=1 at version {version}, still readable after {timeout.TotalSeconds:0} s: {await ReadAsync(model.Key)}");
                continue;
            }

            var document = GeneratedDocument.Valid(generator.Counter(), JsonLayout.Compact, "counter");
            model.Value = null;
            await SendAndCheckAsync(model, new PlannedRequest(HttpMethod.Put, model.Key, null, Tag(version), document, new ExpectedAnswer(412, null, "the ETag of the key's expired life must not match (versions never repeat)")));
            var response = await SendAsync(new PlannedRequest(HttpMethod.Put, model.Key, null, null, document, new ExpectedAnswer(200, document.Tree, "")));
            var tag = response.Headers.ETag?.Tag;
            if (response.StatusCode != HttpStatusCode.OK || tag is null || long.Parse(tag.Trim('"'), CultureInfo.InvariantCulture) <= version)
            {
                failures.Add("versions never repeat, also across expiry", $"HTTP key {Show(model.Key)}: re-created after expiring at version {version}; rule: versions never repeat, so the new version must be above {version}; got {(int)response.StatusCode} ETag {tag}");
            }
        }
    }

    /// <summary>Waits for <paramref name="condition"/> until <paramref name="deadline"/> (at least a second).</summary>
    public static async Task<bool> BecomesTrueAsync(Func<Task<bool>> condition, DateTime deadline)
    {
        try
        {
            var left = deadline - DateTime.UtcNow;
            await Eventually.TrueAsync(condition, left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left, "a condition");
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private PlannedRequest? Plan(KeyModel model)
    {
        var roll = generator.Random.Next(100);
        var method = roll < 30 ? HttpMethod.Put : roll < 55 ? HttpMethod.Patch : roll < 85 ? HttpMethod.Post : HttpMethod.Delete;
        var document = method == HttpMethod.Put ? generator.SetDocument(true, true)
            : method == HttpMethod.Patch ? generator.PatchDocument(true, true)
            : method == HttpMethod.Post ? generator.IncrementDocument(true, true)
            : null;
        var wellFormed = document is null || document.Defect == DocumentDefect.None;
        var defect = generator.Random.Next(100);
        if (wellFormed && defect < 4)
        {
            return new PlannedRequest(method, generator.Pick(InvalidKeys), null, null, document, new ExpectedAnswer(400, null, "a key with a control character or over 512 bytes is malformed"));
        }

        if (wellFormed && method != HttpMethod.Delete && defect < 12)
        {
            return new PlannedRequest(method, model.Key, "ttl=" + Uri.EscapeDataString(generator.Pick(IllegalTtls)), null, document, new ExpectedAnswer(400, null, "ttl must be whole seconds from 1 to the maximum (10 years)"));
        }

        if (wellFormed && defect < 20 && !(method == HttpMethod.Delete && model.Value is null))
        {
            var wrong = model.Value is null ? Math.Max(model.Version, 1) : generator.Pick<long>([model.Version + 1, model.Version > 1 ? model.Version - 1 : model.Version + 2, 1_000_000]);
            return new PlannedRequest(method, model.Key, null, Tag(wrong), document, new ExpectedAnswer(412, null, $"If-Match \"{wrong}\" does not match the key's version {(model.Value is null ? 0 : model.Version)}"));
        }

        var query = method != HttpMethod.Delete && generator.Chance(0.15) ? "ttl=" + generator.Pick(LegalTtls) : null;
        var ifMatch = model.Value is not null && generator.Chance(0.2) ? Tag(model.Version) : null;
        if (method == HttpMethod.Delete)
        {
            return new PlannedRequest(method, model.Key, null, ifMatch, null, model.Value is null
                ? new ExpectedAnswer(404, null, "a delete of an absent key")
                : new ExpectedAnswer(204, null, "a delete of a present key"));
        }

        switch (document!.Defect)
        {
            case DocumentDefect.TooLarge:
                return new PlannedRequest(method, model.Key, query, ifMatch, document, new ExpectedAnswer(413, null, "over HotData:MaxValueBytes"));
            case DocumentDefect.DuplicateNames or DocumentDefect.TooDeep or DocumentDefect.InvalidJson or DocumentDefect.InvalidUtf8 or DocumentDefect.LoneSurrogate:
                return new PlannedRequest(method, model.Key, query, ifMatch, document, new ExpectedAnswer(400, null, document.Defect switch
                {
                    DocumentDefect.DuplicateNames => "duplicate property names are refused",
                    DocumentDefect.LoneSurrogate => "an escaped lone surrogate is not text: refused",
                    DocumentDefect.TooDeep => "documents deeper than 64 levels are refused",
                    DocumentDefect.InvalidUtf8 => "a body that is not UTF-8 is malformed",
                    _ => "a body that is not JSON is malformed",
                }));
        }

        var (verdict, result) = Decide(method, model.Value, document.Tree!);
        return verdict switch
        {
            ChangeVerdict.Unsettled => null,
            ChangeVerdict.Invalid => new PlannedRequest(method, model.Key, query, ifMatch, document, new ExpectedAnswer(400, null, "an increment the value cannot take is refused")),
            _ => new PlannedRequest(method, model.Key, query, ifMatch, document, new ExpectedAnswer(200, result, "applies")),
        };
    }

    private static (ChangeVerdict, ModelJson?) Decide(HttpMethod method, ModelJson? current, ModelJson document) =>
        method == HttpMethod.Put ? JsonChangeModel.Set(document, RobustnessFixture.MaxValueBytes)
        : method == HttpMethod.Patch ? JsonChangeModel.Patch(current, document, RobustnessFixture.MaxValueBytes)
        : JsonChangeModel.Increment(current, document, RobustnessFixture.MaxValueBytes);

    private async Task SendAndCheckAsync(KeyModel model, PlannedRequest request)
    {
        model.History.Add(request.ToString());
        var kind = $"{request.Expected.Status} {request.Method} {request.Body?.Kind ?? "no body"} ({request.Expected.Reason})";
        _coverage[kind] = _coverage.GetValueOrDefault(kind) + 1;
        (string Rule, string Message)? failure;
        HttpResponseMessage? response = null;
        byte[] body = [];
        try
        {
            response = await SendAsync(request);
            body = await response.Content.ReadAsByteArrayAsync();
            failure = Check(model, request, response, body);
        }
        catch (HttpRequestException ex)
        {
            failure = ("every request gets an answer", $"the request failed: {ex.Message}");
        }

        if (failure is { } f)
        {
            var actual = response is null ? "no answer" : $"{(int)response.StatusCode} {response.Content.Headers.ContentType} ETag {response.Headers.ETag?.Tag} body {Preview(body)}";
            failures.Add(f.Rule, $"HTTP {request}\n    expected {request.Expected.Status} ({request.Expected.Reason}){(request.Expected.IsSuccess && request.Expected.Value is { } v ? " value " + Preview(Encoding.UTF8.GetBytes(v.Render(JsonLayout.Compact))) : "")} at version {model.Version + (request.Expected.IsSuccess ? 1 : 0)}\n    got {actual}: {f.Message}\n    earlier inputs of the key:\n      {model.RecentHistory(5)}");
            await ResyncAsync(model);
        }

        response?.Dispose();
    }

    /// <summary>
    /// After an answer outside the rules, takes the key's state from a GET so the following inputs are still judged;
    /// a key that cannot be read, or holds what the rules refuse, is left alone from then on.
    /// </summary>
    private async Task ResyncAsync(KeyModel model)
    {
        try
        {
            var read = await ReadAsync(model.Key);
            if (read.Status == HttpStatusCode.NotFound)
            {
                model.Value = null;
                model.VersionKnown = false;
                return;
            }

            using var document = JsonDocument.Parse(read.Body);
            var value = ModelJson.From(document.RootElement);
            if (read.Status != HttpStatusCode.OK || value.HasDuplicateNames || value.HasLoneSurrogate || read.ETag is null)
            {
                model.Diverged = true;
                return;
            }

            model.Value = value;
            model.Version = long.Parse(read.ETag.Trim('"'), CultureInfo.InvariantCulture);
            model.VersionKnown = true;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or FormatException)
        {
            model.Diverged = true;
        }
    }

    private static (string Rule, string Message)? Check(KeyModel model, PlannedRequest request, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return ($"no 5xx answer (the input: {request.Expected.Reason})", "a 5xx answer; no input may cause one");
        }

        const string Matches = "an applied change shows the model's value and version";
        const string Problem = "a refusal carries an RFC 9457 problem body";

        var expected = request.Expected;
        if (!expected.IsSuccess)
        {
            if (status != expected.Status)
            {
                return (expected.Reason, $"status {status}, the rules require {expected.Status}");
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return (Problem, "a refusal without an RFC 9457 problem body (application/problem+json)");
            }

            try
            {
                using var problem = JsonDocument.Parse(body);
                return problem.RootElement.ValueKind == JsonValueKind.Object
                    && problem.RootElement.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.GetInt32() == status
                    && problem.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String
                    ? null
                    : (Problem, "the problem body lacks a matching status or a title");
            }
            catch (JsonException ex)
            {
                return (Problem, $"the problem body is not JSON: {ex.Message}");
            }
        }

        var wanted = request.Method == HttpMethod.Delete ? 204 : 200;
        if (status != wanted)
        {
            return (expected.Reason, $"status {status}, the rules require {wanted}");
        }

        if (!model.VersionKnown && long.TryParse(response.Headers.ETag?.Tag?.Trim('"'), CultureInfo.InvariantCulture, out var observed) && observed > model.Version)
        {
            // The key came back absent from an unexpected answer: its version floor is unknown, so learn it here.
            model.Version = observed - 1;
            model.VersionKnown = true;
        }

        var version = model.Version + 1;
        if (response.Headers.ETag?.Tag != Tag(version))
        {
            return (Matches, $"ETag {response.Headers.ETag?.Tag}, the model's version is {version} (every applied change bumps it by one)");
        }

        if (request.Method != HttpMethod.Delete)
        {
            try
            {
                using var value = JsonDocument.Parse(body);
                if (!expected.Value!.SemanticallyEquals(value.RootElement))
                {
                    return (Matches, "the value differs from the model's");
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return (Matches, $"the value cannot be read back as JSON: {ex.Message}");
            }

            if (request.Query is { } query && query.StartsWith("ttl=", StringComparison.Ordinal) && int.TryParse(query[4..], CultureInfo.InvariantCulture, out var ttl)
                && !(response.Headers.TryGetValues("Hotdata-Expires-At", out var expires)
                    && DateTimeOffset.TryParse(expires.First(), CultureInfo.InvariantCulture, out var at)
                    && Math.Abs((at - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(ttl)).TotalMinutes) < 10))
            {
                return ("a legal TTL sets the expiry", $"no Hotdata-Expires-At about {ttl} s ahead");
            }
        }

        model.Apply(expected.Value);
        return null;
    }

    private async Task<HttpResponseMessage> SendAsync(PlannedRequest request)
    {
        var path = "/v1/keys/" + Uri.EscapeDataString(request.Key) + (request.Method == HttpMethod.Post ? "/incr" : "") + (request.Query is null ? "" : "?" + request.Query);
        using var message = new HttpRequestMessage(request.Method, new Uri(path, UriKind.Relative));
        if (request.IfMatch is { } ifMatch)
        {
            message.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (request.Body is { } body)
        {
            message.Content = new ByteArrayContent(body.Bytes);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return await generator.Pick(http).SendAsync(message);
    }

    private async Task<ReadResult> ReadAsync(string key)
    {
        using var response = await http[0].GetAsync(new Uri("/v1/keys/" + Uri.EscapeDataString(key), UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        return new ReadResult(response.StatusCode, response.Headers.ETag?.Tag, body);
    }

    private static bool Matches(KeyModel model, ReadResult read) => ReadMatches(model.Value, model.Version, read);

    /// <summary>Whether a GET's answer shows <paramref name="value"/> at <paramref name="version"/> (absent when null).</summary>
    public static bool ReadMatches(ModelJson? value, long version, ReadResult read)
    {
        if (value is null)
        {
            return read.Status == HttpStatusCode.NotFound;
        }

        if (read.Status != HttpStatusCode.OK || read.ETag != Tag(version))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(read.Body);
            return value.SemanticallyEquals(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    public static string ShowState(ModelJson? value, long version) => value is null ? $"absent (version {version})" : $"version {version} {Preview(Encoding.UTF8.GetBytes(value.Render(JsonLayout.Compact)))}";

    public static string Show(string key) => JsonSerializer.Serialize(key.Length > 80 ? key[..80] + "…" : key);

    public static string Preview(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length > 300 ? text[..300] + $"…({bytes.Length} bytes)" : text;
    }

    private static string Tag(long version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    private sealed record PlannedRequest(HttpMethod Method, string Key, string? Query, string? IfMatch, GeneratedDocument? Body, ExpectedAnswer Expected)
    {
        public override string ToString() =>
            $"{Method} {Show(Key)}{(Query is null ? "" : "?" + Query)}{(IfMatch is null ? "" : " If-Match " + IfMatch)} {Body?.Describe() ?? "(no body)"}";
    }
}
