using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OrleansHotData.ChangeFeed;
using OrleansHotData.Grains;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Silo.Api;

/// <summary>
/// <c>GET /v1/keys/{key}/watch</c>: a key's changes as Server-Sent Events. Each event's <c>id</c> is the key's
/// version, so a browser's <c>EventSource</c> resumes after a reconnect with <c>Last-Event-ID</c>; the first event is
/// then the current value when it is newer than the one the client had.
/// </summary>
public static class WatchEndpoint
{
    /// <summary>The route template, also the route tag of the request metrics.</summary>
    public const string Route = "/v1/keys/{key}/watch";

    private const string LastEventIdHeader = "Last-Event-ID";
    private static readonly byte[] Heartbeat = ": keep-alive\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapWatchEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, WatchAsync)
            .RequireAuthorization(HotDataRoles.ReaderPolicy).RequireClientRateLimit()
            .WithTags("Keys").WithName("WatchKey")
            .WithSummary("Streams the key's changes as Server-Sent Events (id = version). Query fromVersion=n or header Last-Event-ID: n resumes; the current value comes first when it is newer.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> WatchAsync(
        string key,
        HttpContext context,
        HotDataChangeFeed changes,
        ApiMetrics metrics,
        WatchAdmission admission,
        IOptions<HotDataOptions> options,
        IOptions<HotDataApiOptions> apiOptions,
        IOptions<HotDataSecurityOptions> securityOptions)
    {
        key = KeyPath.Read(context, key);
        if (HotDataKey.Validate(key, options.Value.MaxKeyBytes) is { } keyError)
        {
            return ApiProblem.InvalidKey(keyError);
        }

        // Last-Event-ID (sent by EventSource when it reconnects) wins over the query of the original URL.
        var resumeText = context.Request.Headers[LastEventIdHeader].ToString();
        var resumeSource = LastEventIdHeader;
        if (string.IsNullOrWhiteSpace(resumeText))
        {
            resumeText = context.Request.Query["fromVersion"].ToString();
            resumeSource = "fromVersion";
        }

        long? fromVersion = null;
        if (!string.IsNullOrWhiteSpace(resumeText))
        {
            if (!long.TryParse(resumeText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                return ApiProblem.InvalidRequest($"{resumeSource} must be a version, a whole number of at least 0; got '{resumeText}'.");
            }

            fromVersion = version;
        }

        // Each open stream holds a connection and memory until its client goes: they are counted per client and silo.
        if (admission.TryEnter(context, out var ticket) is { } refusal)
        {
            return refusal;
        }

        using var admitted = ticket;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var aborted = context.RequestAborted;
        var heartbeat = apiOptions.Value.WatchHeartbeatInterval;
        // The feed's changes are drained at once into a buffer bounded in bytes, which a slow reader cannot grow.
        using var buffer = new WatchEventBuffer(securityOptions.Value.Watch.MaxBufferedBytes);
        using var stopPump = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        metrics.WatcherOpened();
        var pump = PumpAsync(changes.WatchAsync(key, fromVersion, apiOptions.Value.WatchBufferCapacity, stopPump.Token), buffer, stopPump.Token);
        try
        {
            await response.Body.WriteAsync("retry: 1000\n\n"u8.ToArray(), aborted);
            await response.Body.FlushAsync(aborted);
            while (!buffer.IsFinished)
            {
                if (!await buffer.WaitAsync(heartbeat, aborted))
                {
                    // Comments keep proxies from closing an idle stream and reveal a client that has gone.
                    await response.Body.WriteAsync(Heartbeat, aborted);
                    await response.Body.FlushAsync(aborted);
                    continue;
                }

                var wrote = false;
                while (buffer.TryTake(out var formatted))
                {
                    await response.Body.WriteAsync(formatted, aborted);
                    wrote = true;
                }

                if (wrote)
                {
                    await response.Body.FlushAsync(aborted);
                }
            }

            await pump;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
        finally
        {
            await stopPump.CancelAsync();
            await pump.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            metrics.WatcherClosed();
        }

        return Results.Empty;
    }

    private static async Task PumpAsync(IAsyncEnumerable<HotDataNotification> changes, WatchEventBuffer buffer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in changes.WithCancellation(cancellationToken))
            {
                buffer.Add(Format(change));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The stream ended.
        }
        finally
        {
            buffer.Complete();
        }
    }

    /// <summary>
    /// One event: <c>id</c> the version, <c>event</c> <c>change</c>, <c>delete</c> or <c>expire</c> (the value's time to
    /// live ran out), <c>data</c> one line of JSON.
    /// </summary>
    public static ReadOnlyMemory<byte> Format(HotDataNotification change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"id: {change.Version}\nevent: {EventType(change)}\ndata: ")));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("key", change.Key);
            writer.WriteNumber("version", change.Version);
            writer.WriteString("source", change.Source switch
            {
                HotDataChangeSource.Api => "api",
                HotDataChangeSource.Kafka => "kafka",
                HotDataChangeSource.Expiry => "expiry",
                _ => "unknown",
            });
            writer.WriteBoolean("deleted", change.IsDeleted);
            writer.WritePropertyName("value");
            if (change.Json is { } json)
            {
                writer.WriteRawValue(OneLine(json), skipInputValidation: true);
            }
            else
            {
                writer.WriteNullValue();
            }

            if (change.Version > 0)
            {
                writer.WriteString("updatedAt", change.UpdatedAt);
            }

            if (change.ExpiresAt is { } expiresAt)
            {
                writer.WriteString("expiresAt", expiresAt);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        return buffer.WrittenMemory;
    }

    private static string EventType(HotDataNotification change) => change switch
    {
        { IsDeleted: true, Source: HotDataChangeSource.Expiry } => "expire",
        { IsDeleted: true } => "delete",
        _ => "change",
    };

    // Values are stored as sent, and may be pretty-printed, while a line break would end the SSE data field. In valid
    // JSON a raw CR or LF can only be white space between tokens (inside strings they are escaped), so a space in its
    // place leaves the same document on one line.
    private static string OneLine(string json) =>
        json.AsSpan().IndexOfAny('\r', '\n') < 0 ? json : json.Replace('\r', ' ').Replace('\n', ' ');
}
