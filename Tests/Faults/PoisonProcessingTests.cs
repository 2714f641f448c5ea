using Confluent.Kafka;
using Orleans.Storage;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A record whose processing fails the same way on every attempt, for a reason that is neither Redis nor the cluster
/// (here a grain storage that throws an unexpected exception for some keys, as a bug would), is dead-lettered with the
/// failure as its reason after a bounded number of attempts, and its partition moves on.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class PoisonProcessingTests
{
    private const string BuggyPrefix = "bug-";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_record_that_always_fails_is_dead_lettered_with_its_exception_and_its_partition_moves_on()
    {
        await using var cluster = await FaultTestCluster.StartAsync(silos: 1, builder => builder.Host.UseServiceProviderFactory(
            new GrainStorageDecoratingFactory(HotDataConstants.StorageName, (_, storage) => new BuggyGrainStorage(storage))));
        var partition = new TopicPartition(cluster.Topic, 0);
        var buggy = BuggyPrefix + Guid.NewGuid().ToString("N");
        var healthy = "healthy-" + Guid.NewGuid().ToString("N");

        var first = await cluster.Producer.ProduceAsync(partition, TestRecords.Create(buggy, """{"n":1}""", []));
        await cluster.Producer.ProduceAsync(partition, TestRecords.Create(healthy, """{"n":2}""", []));
        var second = await cluster.Producer.ProduceAsync(partition, TestRecords.Create(buggy, """{"n":3}""", [(HotDataHeaders.Operation, "incr")]));
        var last = await cluster.Producer.ProduceAsync(partition, TestRecords.Create(healthy, """{"n":4}""", []));

        await Eventually.TrueAsync(
            async () => (await cluster.ClientHost.Client.GetAsync<System.Text.Json.JsonElement>(healthy))?.Version == 2,
            Deadline,
            "the records behind the failing ones to be applied");
        var found = DeadLetterReader.Read(cluster.KafkaConfigs, cluster.Topic, FaultTestCluster.Partitions,
            [(0, first.Offset.Value), (0, second.Offset.Value)], Deadline);
        Assert.Equal(2, found.Count);
        Assert.All(found.Values, letter => Assert.StartsWith(
            $"processing-failed: {nameof(InvalidOperationException)}: {BuggyGrainStorage.Message}", letter.Reason, StringComparison.Ordinal));
        await Eventually.TrueAsync(
            () => Task.FromResult(cluster.CommittedOffsets()[0] > last.Offset.Value),
            Deadline,
            "the partition's commits to move past the failing records");
        Assert.Null(await cluster.ClientHost.Client.GetAsync<System.Text.Json.JsonElement>(buggy));
    }

    // Fails every write of the keys that start with the buggy prefix with an exception that is not a storage failure.
    private sealed class BuggyGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public const string Message = "injected bug";

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            grainId.Key.ToString()!.StartsWith(BuggyPrefix, StringComparison.Ordinal)
                ? throw new InvalidOperationException(Message)
                : inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);
    }
}
