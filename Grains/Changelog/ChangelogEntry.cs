namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// One applied change of a key as the changelog carries it: the whole new value (or none, after a delete or expiry)
/// and the version it produced. Kept in the key's persisted outbox until Kafka acknowledged it.
/// </summary>
/// <param name="Version">The version the change produced; a key's changelog records carry its versions in order.</param>
/// <param name="Json">The whole value after the change; <see langword="null"/> when the change removed it.</param>
/// <param name="Source">Where the change came from.</param>
/// <param name="UpdatedAt">When it was applied.</param>
/// <param name="ExpiresAt">When the value expires, if it has a time to live.</param>
/// <param name="UpstreamVersion">The newest upstream version applied to the key, if changes carried one.</param>
[GenerateSerializer, Immutable]
public sealed record ChangelogEntry(
    [property: Id(0)] long Version,
    [property: Id(1)] string? Json,
    [property: Id(2)] HotDataChangeSource Source,
    [property: Id(3)] DateTimeOffset UpdatedAt,
    [property: Id(4)] DateTimeOffset? ExpiresAt,
    [property: Id(5)] long? UpstreamVersion)
{
    /// <summary>The entry of the change that produced <paramref name="state"/>.</summary>
    public static ChangelogEntry Of(HotDataState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new ChangelogEntry(state.Version, state.Json, state.LastSource, state.UpdatedAt, state.Json is null ? null : state.ExpiresAt, state.UpstreamVersion);
    }
}
