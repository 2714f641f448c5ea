using System.Net;
using Microsoft.Extensions.Options;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Tests.Security;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class FailedAuthenticationLimiterTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.8");

    [Fact]
    public async Task An_address_that_spent_its_budget_stays_blocked_until_a_whole_permit_comes_back()
    {
        // Three failures a minute: a permit comes back every 20 s, in fractions between.
        using var limiter = Limiter(perMinute: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.False(limiter.IsBlocked(Guesser, out _));
            limiter.RecordFailure(Guesser);
        }

        Assert.True(limiter.IsBlocked(Guesser, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));

        // The bucket is topped up by fractions several times a second; a fraction of a permit is not a permit.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        Assert.True(limiter.IsBlocked(Guesser, out _));
        Assert.False(limiter.IsBlocked(Other, out _));
    }

    [Fact]
    public void A_zero_budget_turns_the_limit_off()
    {
        using var limiter = Limiter(perMinute: 0);
        for (var i = 0; i < 100; i++)
        {
            limiter.RecordFailure(Guesser);
        }

        Assert.False(limiter.IsBlocked(Guesser, out _));
    }

    private static FailedAuthenticationLimiter Limiter(int perMinute)
    {
        var options = new HotDataSecurityOptions();
        options.RateLimit.FailedAuthenticationsPerMinute = perMinute;
        return new FailedAuthenticationLimiter(Options.Create(options));
    }
}
