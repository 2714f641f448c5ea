namespace OrleansHotData.Client;

/// <summary>The value, or the value a change would produce, is over the size limit; nothing changed.</summary>
public sealed class ValueTooLargeException : HotDataException
{
    /// <inheritdoc />
    public ValueTooLargeException()
    {
    }

    /// <inheritdoc />
    public ValueTooLargeException(string message) : base(message)
    {
    }

    /// <inheritdoc />
    public ValueTooLargeException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public ValueTooLargeException(string key, string message) : base(key, message)
    {
    }
}
