using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansHotData.ChangeFeed;
using OrleansHotData.Grains;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Silo.Api;

/// <summary>The <c>/v1/keys</c> HTTP API: each request is validated here and applied by the key's grain.</summary>
public static class KeysEndpoints
{
    private const string JsonContentType = "application/json";
    private const string ExpiresHeader = "Hotdata-Expires-At";

    public static IEndpointRouteBuilder MapKeysEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").WithTags("Keys").RequireClientRateLimit();
        keys.MapGet("/{key}", GetAsync).RequireAuthorization(HotDataRoles.ReaderPolicy)
            .WithName("GetKey").WithSummary("Reads a key's value; the ETag is its version.")
            .Produces(StatusCodes.Status200OK, contentType: JsonContentType).Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPut("/{key}", (string key, HttpContext context, IGrainFactory grains, IOptions<HotDataOptions> options) =>
                WriteAsync(key, ChangeOperation.Set, context, grains, options.Value))
            .RequireAuthorization(HotDataRoles.WriterPolicy).RequireJsonContentType()
            .WithName("SetKey").WithSummary("Replaces the value with the JSON body. Query ttl=seconds sets a time to live; If-Match: \"n\" or If-None-Match: * guard it.");
        keys.MapPatch("/{key}", (string key, HttpContext context, IGrainFactory grains, IOptions<HotDataOptions> options) =>
                WriteAsync(key, ChangeOperation.Patch, context, grains, options.Value))
            .RequireAuthorization(HotDataRoles.WriterPolicy).RequireJsonContentType()
            .WithName("PatchKey").WithSummary("Applies the body as a JSON Merge Patch (RFC 7396).");
        keys.MapPost("/{key}/incr", (string key, HttpContext context, IGrainFactory grains, IOptions<HotDataOptions> options) =>
                WriteAsync(key, ChangeOperation.Increment, context, grains, options.Value))
            .RequireAuthorization(HotDataRoles.WriterPolicy).RequireJsonContentType()
            .WithName("IncrementKey").WithSummary("Adds numeric deltas: the body is a JSON object of field → number (nested objects for nested fields).");
        keys.MapDelete("/{key}", (string key, HttpContext context, IGrainFactory grains, IOptions<HotDataOptions> options) =>
                WriteAsync(key, ChangeOperation.Delete, context, grains, options.Value))
            .RequireAuthorization(HotDataRoles.WriterPolicy)
            .WithName("DeleteKey").WithSummary("Removes the value.");

        app.MapPost("/v1/keys:batchGet", BatchGetAsync)
            .RequireAuthorization(HotDataRoles.ReaderPolicy).RequireClientRateLimit().RequireJsonContentType()
            .WithTags("Keys").WithName("BatchGetKeys")
            .WithSummary("Reads many keys in one call: body {\"keys\": [...]}; answers {\"items\": [...], \"missing\": [...]}.")
            .Produces(StatusCodes.Status200OK, contentType: JsonContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    // Answered from the silo's near-cache: a hot key costs a lookup and the copy of its UTF-8 bytes, no grain call.
    // Cache-Control: no-cache asks the key's grain.
    private static async Task<IResult> GetAsync(string key, HttpContext context, HotDataNearCache cache, TimeProvider time, IOptions<HotDataOptions> options)
    {
        key = KeyPath.Read(context, key);
        if (HotDataKey.Validate(key, options.Value.MaxKeyBytes) is { } keyError)
        {
            return ApiProblem.InvalidKey(keyError);
        }

        // A hit completes at once (no allocation); a miss or no-cache goes to the grain.
        var fresh = context.Request.Headers.CacheControl.ToString().Contains("no-cache", StringComparison.OrdinalIgnoreCase);
        var value = await cache.GetAsync(key, fresh, context.RequestAborted);

        if (!value.HasValueAt(time.GetUtcNow()))
        {
            return ApiProblem.NotFound(key);
        }

        var headers = context.Response.Headers;
        headers.ETag = value.ETag;
        if (EntityTag.AnyMatches(context.Request.Headers.IfNoneMatch, value.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (value.ExpiresAt is { } expiresAt)
        {
            headers[ExpiresHeader] = expiresAt.ToString("O", CultureInfo.InvariantCulture);
        }

        return Results.Bytes(value.Utf8, JsonContentType);
    }

    private static async Task<IResult> WriteAsync(string key, ChangeOperation operation, HttpContext context, IGrainFactory grains, HotDataOptions options)
    {
        key = KeyPath.Read(context, key);
        if (HotDataKey.Validate(key, options.MaxKeyBytes) is { } keyError)
        {
            return ApiProblem.InvalidKey(keyError);
        }

        var expectedVersion = EntityTag.ReadExpectedVersion(context.Request, out var preconditionError);
        if (preconditionError is not null)
        {
            return ApiProblem.InvalidRequest(preconditionError);
        }

        TimeSpan? ttl = null;
        if (context.Request.Query.TryGetValue("ttl", out var ttlText))
        {
            if (operation == ChangeOperation.Delete)
            {
                return ApiProblem.InvalidRequest("A delete takes no ttl.");
            }

            if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
            {
                return ApiProblem.InvalidRequest($"ttl must be a whole number of seconds, at least 1; got '{ttlText}'.");
            }

            ttl = TimeSpan.FromSeconds(seconds);
        }

        string? json = null;
        if (operation != ChangeOperation.Delete)
        {
            (json, var problem) = await JsonBody.ReadAsync(context.Request, options.MaxValueBytes, context.RequestAborted);
            if (problem is not null)
            {
                return problem;
            }
        }

        var result = await grains.GetGrain<IHotDataGrain>(key)
            .ApplyAsync(new HotDataChange(operation, json, ttl, expectedVersion));
        if (result.Status != WriteStatus.Applied)
        {
            return ApiProblem.From(key, result);
        }

        if (result.Value is null)
        {
            context.Response.Headers.ETag = EntityTag.Format(result.Version);
            return Results.NoContent();
        }

        return ValueResponse(context, result.Value);
    }

    private static async Task<IResult> BatchGetAsync(HttpContext context, ClientRateLimiter limiter, HotDataNearCache cache, TimeProvider time, IOptions<HotDataOptions> options, IOptions<HotDataApiOptions> apiOptions)
    {
        var maxKeys = apiOptions.Value.MaxBatchGetKeys;
        var maxKeyBytes = options.Value.MaxKeyBytes;
        var maxBodyBytes = HotDataApi.BatchGetBodyLimit(options.Value, apiOptions.Value);
        var (json, problem) = await JsonBody.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        BatchGetRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(json!, ApiJsonContext.Default.BatchGetRequest);
        }
        catch (JsonException ex)
        {
            return ApiProblem.InvalidRequest($"The body must be {{\"keys\": [\"...\"]}}: {ex.Message}");
        }

        if (request?.Keys is not { } keys || keys.Count == 0)
        {
            return ApiProblem.InvalidRequest("The body must be {\"keys\": [\"...\"]} with at least one key.");
        }

        if (keys.Count > maxKeys)
        {
            return ApiProblem.InvalidRequest($"The request asks for {keys.Count} keys; the limit is {maxKeys}.");
        }

        // The request's own permit is taken; each further key costs one more, as if read one by one.
        if (limiter.TryAcquire(context, keys.Count - 1) is { } refusal)
        {
            return refusal;
        }

        var distinct = new List<string>(keys.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (HotDataKey.Validate(key, maxKeyBytes) is { } keyError)
            {
                return ApiProblem.InvalidKey($"Key #{distinct.Count + 1}: {keyError}");
            }

            if (seen.Add(key!))
            {
                distinct.Add(key!);
            }
        }

        var now = time.GetUtcNow();
        var values = (await Task.WhenAll(distinct.Select(k => cache.GetAsync(k, fresh: false, context.RequestAborted).AsTask())))
            .Select(v => v.HasValueAt(now) ? v : null)
            .ToArray();

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var value in values)
            {
                if (value is not null)
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", value.Key);
                    writer.WriteNumber("version", value.Version);
                    writer.WritePropertyName("value");
                    writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
                    if (value.ExpiresAt is { } expiresAt)
                    {
                        writer.WriteString("expiresAt", expiresAt);
                    }

                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
            writer.WriteStartArray("missing");
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is null)
                {
                    writer.WriteStringValue(distinct[i]);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Results.Bytes(buffer.WrittenMemory, JsonContentType);
    }

    private static IResult ValueResponse(HttpContext context, HotDataValue value)
    {
        var headers = context.Response.Headers;
        headers.ETag = EntityTag.Format(value.Version);
        if (value.ExpiresAt is { } expiresAt)
        {
            headers[ExpiresHeader] = expiresAt.ToString("O", CultureInfo.InvariantCulture);
        }

        return Results.Text(value.Json, JsonContentType, Encoding.UTF8);
    }
}
