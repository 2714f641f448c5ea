namespace OrleansHotData;

/// <summary>What became of a change.</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Version">The key's version after the call (the current version when nothing changed; 0 when the key is absent).</param>
/// <param name="Value">The value after the change; <see langword="null"/> when the key has no value.</param>
/// <param name="Error">Why the change was not applied, for statuses other than <see cref="WriteStatus.Applied"/>.</param>
[GenerateSerializer, Immutable]
public sealed record WriteResult(
    [property: Id(0)] WriteStatus Status,
    [property: Id(1)] long Version,
    [property: Id(2)] HotDataValue? Value,
    [property: Id(3)] string? Error);
