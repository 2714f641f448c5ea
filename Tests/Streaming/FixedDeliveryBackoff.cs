using Orleans.Runtime.Providers;

namespace OrleansHotData.Tests.Streaming;

/// <summary>Retries a failed stream delivery after the same short wait every time, so a test sees recovery soon.</summary>
/// <param name="delay">The wait before each new attempt.</param>
public sealed class FixedDeliveryBackoff(TimeSpan delay) : IMessageDeliveryBackoffProvider
{
    /// <inheritdoc />
    public TimeSpan Next(int attempt) => delay;
}
