namespace OrleansHotData.Tests.Kafka;

/// <summary>Test classes marked <c>[Collection(SharedEmbeddedKafka.Name)]</c> share one embedded cluster.</summary>
[CollectionDefinition(Name)]
public sealed class SharedEmbeddedKafka : ICollectionFixture<EmbeddedKafkaFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Embedded Kafka";
}
