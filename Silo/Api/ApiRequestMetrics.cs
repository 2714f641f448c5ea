namespace OrleansHotData.Silo.Api;

/// <summary>Counts and times every request to the <c>/v1</c> API by route template, method and final status.</summary>
public static class ApiRequestMetrics
{
    /// <summary>Must come before the exception handler, so it sees the status the client finally gets.</summary>
    public static IApplicationBuilder UseApiRequestMetrics(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            var metrics = context.RequestServices.GetRequiredService<ApiMetrics>();
            var time = context.RequestServices.GetRequiredService<TimeProvider>();
            var started = time.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                // A watch is a stream that lasts as long as the client wants: its duration is no latency.
                if (!string.Equals(route, WatchEndpoint.Route, StringComparison.Ordinal))
                {
                    var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
                    metrics.Request(route, context.Request.Method, status, time.GetElapsedTime(started));
                }
            }
        });
}
