using Confluent.Kafka;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Observability;

/// <summary>
/// Real parts for the observability tests: the embedded Kafka broker, a real <c>redis-server</c>, two silos reading
/// one topic, a separate SDK client host, and a producer.
/// </summary>
public sealed class ObservabilityFixture : InProcessClusterFixture
{
    public const int Partitions = 4;

    protected override InProcessClusterDescription Description => new("observe", Silos: 2, Partitions);

    /// <summary>Produces one record to the silos' topic and waits for the broker's acknowledgement.</summary>
    public Task<DeliveryResult<string?, byte[]?>> ProduceAsync(string? key, string? value, params (string Name, string Value)[] headers) =>
        Cluster.ProduceAsync(Topic, key, value, headers);
}

[CollectionDefinition(Name)]
public sealed class ObservabilityDefinition : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "observability";
}
