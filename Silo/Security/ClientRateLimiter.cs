using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// A token bucket per client identity (<see cref="ClientIdentity"/>) over the key API and the watch streams. A request
/// costs one permit; a <c>batchGet</c> one per key it asks for.
/// </summary>
public sealed class ClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly int _bucketSize;

    public ClientRateLimiter(IOptions<HotDataSecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limit = options.Value.RateLimit;
        if (limit.PermitsPerSecond <= 0)
        {
            return;
        }

        _bucketSize = Math.Max(limit.Burst, 1);
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _bucketSize,
            TokensPerPeriod = limit.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes <paramref name="permits"/> from the caller's bucket; the refusal to answer with when it is short.</summary>
    public IResult? TryAcquire(HttpContext context, int permits)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_limiter is null || permits <= 0)
        {
            return null;
        }

        // A request may never cost more than a full bucket, or it could never pass.
        using var lease = _limiter.AttemptAcquire(ClientIdentity.Of(context), Math.Min(permits, _bucketSize));
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        return LimitProblem.TooManyRequests(context, retryAfter, "The client's request rate is over its limit; retry after the Retry-After interval.");
    }

    public void Dispose() => _limiter?.Dispose();
}
