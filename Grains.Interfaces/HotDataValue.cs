namespace OrleansHotData;

/// <summary>The current value of one key.</summary>
/// <param name="Key">The entity key.</param>
/// <param name="Json">The value, a JSON document in compact form.</param>
/// <param name="Version">The key's version: bumped by one with every applied change.</param>
/// <param name="UpdatedAt">When the last change was applied.</param>
/// <param name="ExpiresAt">When the value expires, if it has a time to live.</param>
[GenerateSerializer, Immutable]
public sealed record HotDataValue(
    [property: Id(0)] string Key,
    [property: Id(1)] string Json,
    [property: Id(2)] long Version,
    [property: Id(3)] DateTimeOffset UpdatedAt,
    [property: Id(4)] DateTimeOffset? ExpiresAt);
