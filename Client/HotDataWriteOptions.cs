namespace OrleansHotData.Client;

/// <summary>Optional conditions of a write.</summary>
public sealed record HotDataWriteOptions
{
    /// <summary>A time to live for the resulting value. For a set, none means the value never expires; for a patch or increment, none keeps the current expiry.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Apply only when the key is at this version; 0 means only when the key is absent. A mismatch throws <see cref="VersionConflictException"/>.</summary>
    public long? ExpectedVersion { get; init; }
}
