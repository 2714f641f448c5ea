namespace OrleansHotData.Tests.Streaming;

/// <summary>Waits for a condition with a deadline instead of sleeping for a fixed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="describe"/>'s account when <paramref name="timeout"/> passes first.</summary>
    /// <param name="condition">What must become true.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="describe">Says what was seen, for the failure message.</param>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Condition did not hold within {timeout}: {describe()}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="describe"/>'s account when <paramref name="timeout"/> passes first.</summary>
    /// <param name="condition">What must become true.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="describe">Says what was seen, for the failure message.</param>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Condition did not hold within {timeout}: {describe()}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
