namespace OrleansHotData;

/// <summary>The outcome of a change.</summary>
public enum WriteStatus
{
    /// <summary>The change was applied and persisted.</summary>
    Applied = 0,

    /// <summary>The key's version did not match the expected version; nothing changed.</summary>
    VersionConflict = 1,

    /// <summary>The change cannot be applied to this value (malformed JSON, a non-numeric increment target, ...); nothing changed.</summary>
    Invalid = 2,

    /// <summary>The resulting value would exceed the configured size limit; nothing changed.</summary>
    ValueTooLarge = 3,

    /// <summary>A delete of a key that has no value; nothing changed.</summary>
    NotFound = 4,

    /// <summary>The change carried an upstream version not newer than the one already applied; skipped.</summary>
    Stale = 5,
}
