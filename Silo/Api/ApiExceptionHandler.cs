using Microsoft.AspNetCore.Diagnostics;
using OrleansHotData.Grains;

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
            _ when InfrastructureFailure.Is(exception) => (StatusCodes.Status503ServiceUnavailable, "The service cannot complete the request now."),
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

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private partial void LogRequestFailed(Exception exception, string method, PathString path);
}
