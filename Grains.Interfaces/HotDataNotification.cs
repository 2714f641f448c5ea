namespace OrleansHotData;

/// <summary>
/// A key's state right after a change: the whole new value (not the change itself), so a watcher that missed some
/// notifications is up to date again with the next one it gets.
/// </summary>
/// <param name="Key">The entity key.</param>
/// <param name="Version">The key's version after the change.</param>
/// <param name="Json">The new value; <see langword="null"/> when the change deleted it (or it has expired).</param>
/// <param name="Source">Where the change came from.</param>
/// <param name="UpdatedAt">When the change was applied.</param>
/// <param name="ExpiresAt">When the value expires, if it has a time to live.</param>
[GenerateSerializer, Immutable]
public sealed record HotDataNotification(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] string? Json,
    [property: Id(3)] HotDataChangeSource Source,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] DateTimeOffset? ExpiresAt)
{
    /// <summary>Whether the key has no value after this change.</summary>
    public bool IsDeleted => Json is null;
}
