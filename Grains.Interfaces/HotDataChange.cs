namespace OrleansHotData;

/// <summary>One change to a key's value.</summary>
/// <param name="Operation">What to do.</param>
/// <param name="Json">The document, merge patch or deltas; <see langword="null"/> for <see cref="ChangeOperation.Delete"/>.</param>
/// <param name="Ttl">A time to live for the resulting value; <see langword="null"/> keeps the current expiry for patch and increment, and clears it for set.</param>
/// <param name="ExpectedVersion">
/// Optimistic concurrency: apply only when the key's version equals this. Zero means "only when the key is absent".
/// </param>
/// <param name="UpstreamVersion">
/// A version assigned upstream: when present, the change is skipped as stale unless it is newer than the last upstream version applied.
/// </param>
[GenerateSerializer, Immutable]
public sealed record HotDataChange(
    [property: Id(0)] ChangeOperation Operation,
    [property: Id(1)] string? Json = null,
    [property: Id(2)] TimeSpan? Ttl = null,
    [property: Id(3)] long? ExpectedVersion = null,
    [property: Id(4)] long? UpstreamVersion = null)
{
    /// <summary>Creates a change that replaces the value.</summary>
    public static HotDataChange Set(string json, TimeSpan? ttl = null, long? expectedVersion = null) =>
        new(ChangeOperation.Set, json, ttl, expectedVersion);

    /// <summary>Creates a JSON Merge Patch change.</summary>
    public static HotDataChange Patch(string mergePatchJson, TimeSpan? ttl = null, long? expectedVersion = null) =>
        new(ChangeOperation.Patch, mergePatchJson, ttl, expectedVersion);

    /// <summary>Creates an increment change from a JSON object of field → numeric delta.</summary>
    public static HotDataChange Increment(string deltasJson, TimeSpan? ttl = null, long? expectedVersion = null) =>
        new(ChangeOperation.Increment, deltasJson, ttl, expectedVersion);

    /// <summary>Creates a change that removes the value.</summary>
    public static HotDataChange Delete(long? expectedVersion = null) =>
        new(ChangeOperation.Delete, null, null, expectedVersion);
}
