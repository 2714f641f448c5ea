namespace OrleansHotData.Tests.Robustness;

[CollectionDefinition(Name)]
public sealed class RobustnessDefinition : ICollectionFixture<RobustnessFixture>
{
    public const string Name = "robustness";
}
