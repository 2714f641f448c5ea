namespace OrleansHotData.Client;

/// <summary>The key was not at the expected version; nothing changed.</summary>
public sealed class VersionConflictException : HotDataException
{
    /// <inheritdoc />
    public VersionConflictException()
    {
    }

    /// <inheritdoc />
    public VersionConflictException(string message) : base(message)
    {
    }

    /// <inheritdoc />
    public VersionConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public VersionConflictException(string key, long expectedVersion, long currentVersion, string message) : base(key, message)
    {
        ExpectedVersion = expectedVersion;
        CurrentVersion = currentVersion;
    }

    /// <summary>The version the write required.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The key's version when the write was refused (0: absent).</summary>
    public long CurrentVersion { get; }
}
