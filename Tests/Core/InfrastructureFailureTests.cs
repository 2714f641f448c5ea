using Orleans.Persistence.Redis;
using Orleans.Storage;
using OrleansHotData.Grains;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Core;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class InfrastructureFailureTests
{
    public static TheoryData<Exception> Infrastructure => new()
    {
        new RedisStorageException("write failed"),
        new RedisConnectionException(ConnectionFailureType.SocketFailure, "down"),
        new InconsistentStateException("etag"),
        new TimeoutException(),
        new OperationCanceledException(),
        new Confluent.Kafka.KafkaException(Confluent.Kafka.ErrorCode.Local_Transport),
        new OrleansException("wrapped", new RedisStorageException("inner")),
        new AggregateException(new InvalidOperationException("x"), new TimeoutException()),
    };

    public static TheoryData<Exception> Input => new()
    {
        new InvalidOperationException("a bug"),
        new ArgumentOutOfRangeException("dueTime"),
        new FormatException(),
        new OrleansException("wrapped", new KeyNotFoundException()),
    };

    [Theory]
    [MemberData(nameof(Infrastructure))]
    public void Failures_of_redis_the_cluster_or_the_broker_heal_and_are_retried(Exception exception) =>
        Assert.True(InfrastructureFailure.Is(exception));

    [Theory]
    [MemberData(nameof(Input))]
    public void Other_failures_are_the_inputs(Exception exception) =>
        Assert.False(InfrastructureFailure.Is(exception));
}
