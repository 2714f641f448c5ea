namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// Waits for a condition with a deadline instead of sleeping for a fixed time. A probe that throws is tried again
/// until the deadline; the timeout's message says what was awaited and what was seen last, with the last error inside.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="probe"/> until its value meets <paramref name="condition"/>, and returns that value.</summary>
    /// <param name="probe">Reads the value.</param>
    /// <param name="condition">What the value must meet.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    public static Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what) =>
        PollAsync(probe, condition, timeout, last => $"waiting for {what}; last value: {last}");

    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        ReturnsAsync(condition, ok => ok, timeout, what);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <param name="condition">What must become true.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="describe">Says what was seen, for the failure message.</param>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        return PollAsync(condition, ok => ok, timeout, _ => describe());
    }

    /// <inheritdoc cref="HoldsAsync(Func{Task{bool}}, TimeSpan, Func{string})"/>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return HoldsAsync(() => Task.FromResult(condition()), timeout, describe);
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, Func<T, string> failure)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        T last;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline)
            {
                lastError = ex;
                last = default!;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s: {failure(last)}", lastError);
            }

            await Task.Delay(PollInterval);
        }
    }
}
