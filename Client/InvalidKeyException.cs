namespace OrleansHotData.Client;

/// <summary>The key is empty, too long or holds control characters; the request was not sent.</summary>
public sealed class InvalidKeyException : HotDataException
{
    /// <inheritdoc />
    public InvalidKeyException()
    {
    }

    /// <inheritdoc />
    public InvalidKeyException(string message) : base(message)
    {
    }

    /// <inheritdoc />
    public InvalidKeyException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public InvalidKeyException(string? key, string message) : base(key, message)
    {
    }
}
