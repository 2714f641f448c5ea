namespace OrleansHotData.Silo.Security;

/// <summary>Charges one permit of the caller's bucket before an endpoint runs (after authorization).</summary>
public static class ClientRateLimitFilter
{
    public static TBuilder RequireClientRateLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<ClientRateLimiter>().TryAcquire(context.HttpContext, 1) is { } refusal
                ? refusal
                : await next(context));
}
