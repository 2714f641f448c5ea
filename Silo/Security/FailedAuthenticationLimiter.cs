using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansHotData.Silo.Security;

/// <summary>
/// A budget of failed authentications per remote address: each failure spends a permit, and while an address has
/// none left its requests that carry credentials are refused with 429 before they are checked, so keys cannot be
/// guessed at the speed of the network.
/// </summary>
public sealed class FailedAuthenticationLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly TimeSpan _refillPeriod;

    public FailedAuthenticationLimiter(IOptions<HotDataSecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perMinute = options.Value.RateLimit.FailedAuthenticationsPerMinute;
        if (perMinute <= 0)
        {
            return;
        }

        _refillPeriod = TimeSpan.FromMinutes(1) / perMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = _refillPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Counts a failed authentication against <paramref name="address"/>.</summary>
    public void RecordFailure(IPAddress? address)
    {
        if (_limiter is not null)
        {
            _limiter.AttemptAcquire(Partition(address), 1).Dispose();
        }
    }

    /// <summary>Whether <paramref name="address"/> has spent its budget, and when it gets a permit back.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return false;
        }

        // Whole permits only: the bucket refills by fractions between its periods, and asking for zero permits
        // succeeds on any fraction, which let every guess through from the first refill after the budget was spent.
        if (_limiter.GetStatistics(Partition(address)) is not { CurrentAvailablePermits: < 1 })
        {
            return false;
        }

        // The statistics tell nothing of when a permit comes back: at most one refill period from now.
        retryAfter = _refillPeriod;
        return true;
    }

    public void Dispose() => _limiter?.Dispose();

    private static string Partition(IPAddress? address) => address?.ToString() ?? "unknown";
}
