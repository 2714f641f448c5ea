namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c>, two silos joined through Redis clustering, and a separate SDK client host, shared by
/// the tests of the <see cref="HotDataClusterDefinition"/>. No Kafka: these tests are about the API and the grains.
/// </summary>
public sealed class HotDataClusterFixture : InProcessClusterFixture
{
    protected override InProcessClusterDescription Description => new("test", Silos: 2) { Kafka = false };
}

[CollectionDefinition(Name)]
public sealed class HotDataClusterDefinition : ICollectionFixture<HotDataClusterFixture>
{
    public const string Name = "hot-data cluster";
}
