using Confluent.Kafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>Consuming with a deadline instead of a fixed wait.</summary>
public static class ConsumerExtensions
{
    /// <summary>
    /// Consumes until <paramref name="count"/> records arrived, failing with what did arrive when
    /// <paramref name="timeout"/> passes first.
    /// </summary>
    /// <typeparam name="TKey">Record key type.</typeparam>
    /// <typeparam name="TValue">Record value type.</typeparam>
    /// <param name="consumer">An assigned or subscribed consumer.</param>
    /// <param name="count">How many records to wait for.</param>
    /// <param name="timeout">The longest wait in all.</param>
    /// <returns>The records in the order they were consumed.</returns>
    public static List<ConsumeResult<TKey, TValue>> ConsumeExactly<TKey, TValue>(
        this IConsumer<TKey, TValue> consumer, int count, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var results = new List<ConsumeResult<TKey, TValue>>(count);
        var deadline = DateTime.UtcNow + timeout;
        while (results.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Consumed {results.Count} of {count} records within {timeout}.");
            }

            var result = consumer.Consume(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false })
            {
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>Consumes for <paramref name="window"/> and returns whatever arrived: for checking that nothing more comes.</summary>
    /// <typeparam name="TKey">Record key type.</typeparam>
    /// <typeparam name="TValue">Record value type.</typeparam>
    /// <param name="consumer">An assigned or subscribed consumer.</param>
    /// <param name="window">How long to listen.</param>
    /// <returns>The records that arrived.</returns>
    public static List<ConsumeResult<TKey, TValue>> ConsumeFor<TKey, TValue>(this IConsumer<TKey, TValue> consumer, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var results = new List<ConsumeResult<TKey, TValue>>();
        var deadline = DateTime.UtcNow + window;
        TimeSpan left;
        while ((left = deadline - DateTime.UtcNow) > TimeSpan.Zero)
        {
            if (consumer.Consume(left) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        return results;
    }
}
