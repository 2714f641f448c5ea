namespace OrleansHotData.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline instead of sleeping for a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
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
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last value: {last}", lastError);
            }

            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        ReturnsAsync(condition, ok => ok, timeout, what);
}
