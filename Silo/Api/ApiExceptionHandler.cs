using Microsoft.AspNetCore.Diagnostics;
using Orleans.Persistence.Redis;
using StackExchange.Redis;

namespace OrleansHotData.Silo.Api;

/// <summary>
/// Turns failures the client did not cause into problem responses: an unavailable cluster or store is a 503 the
/// client may retry; a malformed request that Kestrel refused keeps its own status.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "The request is malformed."),
            _ when IsUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, "The service cannot complete the request now."),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred."),
        };

        if (status >= 500)
        {
            LogRequestFailed(exception, context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                Type = "urn:orleanshotdata:problem:" + (status == StatusCodes.Status503ServiceUnavailable ? "unavailable" : status >= 500 ? "internal" : "invalid-request"),
                Detail = status < 500 ? exception.Message : status == StatusCodes.Status503ServiceUnavailable ? "Retry the request shortly." : null,
            },
        });
    }

    /// <summary>
    /// Whether the failure is the cluster's or the store's, not the request's: a timeout, an unreachable silo, or a
    /// Redis failure. Orleans wraps a storage provider's failure in an <see cref="OrleansException"/>, so the causes
    /// are looked at too.
    /// </summary>
    private static bool IsUnavailable(Exception exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException
                or RedisException or RedisStorageException or Orleans.Storage.InconsistentStateException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private partial void LogRequestFailed(Exception exception, string method, PathString path);
}
