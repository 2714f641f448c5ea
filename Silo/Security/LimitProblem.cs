using System.Globalization;
using OrleansHotData.Silo.Api;

namespace OrleansHotData.Silo.Security;

/// <summary>The answers of a refused limit: a 429 or 503 problem with <c>Retry-After</c>.</summary>
public static class LimitProblem
{
    /// <summary>A 429 problem telling the client when to retry.</summary>
    public static IResult TooManyRequests(HttpContext context, TimeSpan retryAfter, string detail)
    {
        SetRetryAfter(context, retryAfter);
        return ApiProblem.TooManyRequests(detail);
    }

    /// <summary>A 503 problem telling the client when to retry.</summary>
    public static IResult Unavailable(HttpContext context, TimeSpan retryAfter, string detail)
    {
        SetRetryAfter(context, retryAfter);
        return ApiProblem.Unavailable(detail);
    }

    private static void SetRetryAfter(HttpContext context, TimeSpan retryAfter) =>
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
