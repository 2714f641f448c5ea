namespace OrleansHotData.Client;

/// <summary>The change cannot be applied to the key's value (for example incrementing a string field); nothing changed.</summary>
public sealed class InvalidChangeException : HotDataException
{
    /// <inheritdoc />
    public InvalidChangeException()
    {
    }

    /// <inheritdoc />
    public InvalidChangeException(string message) : base(message)
    {
    }

    /// <inheritdoc />
    public InvalidChangeException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public InvalidChangeException(string key, string message) : base(key, message)
    {
    }
}
