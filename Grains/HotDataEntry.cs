namespace OrleansHotData.Grains;

/// <summary>A key's value as the pure change logic sees it.</summary>
/// <param name="Json">The value; <see langword="null"/> when the key has none.</param>
/// <param name="Version">The version of the last applied change (kept while the key exists in storage).</param>
/// <param name="UpdatedAt">When the last change was applied.</param>
/// <param name="ExpiresAt">When the value expires, if it has a time to live.</param>
/// <param name="UpstreamVersion">The newest upstream version applied, if changes carried one.</param>
public sealed record HotDataEntry(
    string? Json,
    long Version,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt,
    long? UpstreamVersion)
{
    /// <summary>A key that has never had a value.</summary>
    public static HotDataEntry Absent { get; } = new(null, 0, DateTimeOffset.MinValue, null, null);

    /// <summary>Whether the value's time to live has run out at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => Json is not null && ExpiresAt <= now;

    /// <summary>Whether the key has a value that is visible at <paramref name="now"/>.</summary>
    public bool HasValue(DateTimeOffset now) => Json is not null && !IsExpired(now);

    /// <summary>The version a reader sees at <paramref name="now"/>: 0 when there is no value.</summary>
    public long VisibleVersion(DateTimeOffset now) => HasValue(now) ? Version : 0;
}
