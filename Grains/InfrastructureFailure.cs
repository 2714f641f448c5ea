using Confluent.Kafka;
using Orleans.Persistence.Redis;
using OrleansHotData.Grains.Changelog;
using Orleans.Storage;
using StackExchange.Redis;

namespace OrleansHotData.Grains;

/// <summary>
/// Tells a failure of the infrastructure — Redis, the cluster, the Kafka broker — from a failure of the input. The
/// first heals, so whatever failed is tried again until it succeeds and nothing is skipped; the second fails the same
/// way on every attempt, so retrying it would only hold everything behind it.
/// </summary>
public static class InfrastructureFailure
{
    /// <summary>
    /// Whether <paramref name="exception"/>, or any exception that caused it (Orleans wraps a storage provider's
    /// failure), is a timeout, an unreachable or rejecting silo, a failure of Redis or of grain storage, a storage
    /// conflict (another activation wrote), a cancellation, a Kafka client error, or a changelog outbox full while Kafka
    /// does not acknowledge.
    /// </summary>
    public static bool Is(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is TimeoutException or OperationCanceledException or SiloUnavailableException or OrleansMessageRejectionException
                or RedisException or RedisStorageException or InconsistentStateException or KafkaException
                or ChangelogOutboxFullException)
            {
                return true;
            }

            if (cause is AggregateException aggregate && aggregate.InnerExceptions.Any(Is))
            {
                return true;
            }
        }

        return false;
    }
}
