using Orleans.Runtime.Providers;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// How long a pulling agent waits before delivering a Kafka record again after the key's grain failed to take it:
/// doubling from <see cref="MinDelay"/> to at most <see cref="MaxDelay"/>, with jitter.
/// </summary>
/// <remarks>
/// A delivery fails while the key's grain cannot be reached — its silo crashed and is not yet declared dead, or the
/// directory partition that locates it was on that silo — or cannot persist (Redis down). Orleans' default waits up to
/// 30 s between attempts, so a key whose deliveries failed for the few seconds a crash takes to detect could sit idle
/// many seconds after its grain is reachable again. Capping the wait at 2 s bounds that extra stall; the retries of a
/// stuck key cost one grain call every 2 s.
/// </remarks>
internal sealed class StreamDeliveryBackoff : IMessageDeliveryBackoffProvider
{
    public static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public TimeSpan Next(int attempt)
    {
        var ceiling = attempt >= 16 ? MaxDelay : TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, MinDelay.Ticks << Math.Max(0, attempt)));
        // Jitter between half the ceiling and the ceiling, so the many streams of one partition do not retry in step.
        return TimeSpan.FromTicks(ceiling.Ticks / 2 + Random.Shared.NextInt64(ceiling.Ticks / 2 + 1));
    }
}
