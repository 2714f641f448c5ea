using System.Globalization;
using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// What the silo processes of the fault tests share and what is never killed: the embedded Kafka broker and a real
/// <c>redis-server</c>, both hosted by the test process, and a producer. Each test starts its own
/// <see cref="ProcessCluster"/> on a fresh topic.
/// </summary>
public sealed class ProcessClusterFixture : InProcessClusterFixture
{
    public const int Partitions = 8;

    /// <summary>Where the silo logs of this test run go.</summary>
    public string LogDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "silo-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    protected override InProcessClusterDescription Description => new("processes", Silos: 0, Partitions) { ClientHost = false };

    /// <summary>Creates a fresh topic and its dead-letter topic, both with <see cref="Partitions"/> partitions.</summary>
    public string CreateTopicWithDeadLetters(string prefix) => Kafka.CreateTopicWithDeadLetters(prefix, Partitions);

    /// <summary>Starts <paramref name="silos"/> silo processes that read <paramref name="topic"/> as a fresh cluster and consumer group.</summary>
    public Task<ProcessCluster> StartClusterAsync(string topic, int silos, ITestOutputHelper output) =>
        ProcessCluster.StartAsync(this, topic, silos, output);

    /// <summary>Produces one record, by key hash or to <paramref name="partition"/>; <see langword="null"/> <paramref name="value"/> is a tombstone.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string topic, string? key, string? value, int? partition = null, params (string Name, string Value)[] headers)
    {
        var message = TestRecords.Create(key, value, headers);
        return partition is { } p
            ? Producer.ProduceAsync(new TopicPartition(topic, new Partition(p)), message)
            : Producer.ProduceAsync(topic, message);
    }
}

[CollectionDefinition(Name)]
public sealed class ProcessClusterDefinition : ICollectionFixture<ProcessClusterFixture>
{
    public const string Name = "silo processes";
}
