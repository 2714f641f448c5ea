using OrleansHotData.Grains.Changelog;

namespace OrleansHotData.Grains;

/// <summary>What a <see cref="HotDataGrain"/> persists for its key. Replaced whole on every change, never mutated.</summary>
[GenerateSerializer, Immutable]
public sealed record HotDataState
{
    /// <summary>The value; <see langword="null"/> when the key has none.</summary>
    [Id(0)] public string? Json { get; init; }

    /// <summary>
    /// The version of the last applied change. Kept when the value is deleted or expires, so that versions of a key
    /// never repeat.
    /// </summary>
    [Id(1)] public long Version { get; init; }

    /// <summary>When the last change was applied.</summary>
    [Id(2)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the value expires, if it has a time to live.</summary>
    [Id(3)] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The newest upstream version seen: of every record handled, applied or not.</summary>
    [Id(4)] public long? UpstreamVersion { get; init; }

    /// <summary>
    /// The source position of the last stream record handled — applied, skipped or dead-lettered — per source
    /// ("topic/partition" → offset), so a replayed record is recognised and skipped.
    /// </summary>
    [Id(5)] public IReadOnlyDictionary<string, long>? SourceOffsets { get; init; }

    /// <summary>Where the last applied change came from, for watchers that catch up on the current value.</summary>
    [Id(6)] public HotDataChangeSource LastSource { get; init; }

    /// <summary>
    /// The applied changes not yet acknowledged by the changelog topic, oldest first: written with the change itself,
    /// so a change is never durable without its way to the changelog, and sent again after a crash or restart.
    /// </summary>
    [Id(7)] public IReadOnlyList<ChangelogEntry>? Outbox { get; init; }

    /// <summary>The entry the pure change logic works on.</summary>
    public HotDataEntry ToEntry() => new(Json, Version, UpdatedAt, ExpiresAt, UpstreamVersion);

    /// <summary>This state with <paramref name="entry"/>'s value fields.</summary>
    public HotDataState With(HotDataEntry entry) => this with
    {
        Json = entry.Json,
        Version = entry.Version,
        UpdatedAt = entry.UpdatedAt,
        ExpiresAt = entry.ExpiresAt,
        UpstreamVersion = entry.UpstreamVersion,
    };
}
