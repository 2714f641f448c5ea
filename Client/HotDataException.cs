namespace OrleansHotData.Client;

/// <summary>A change or read refused by the hot-data cluster because of the request itself.</summary>
public class HotDataException : Exception
{
    /// <inheritdoc />
    public HotDataException()
    {
    }

    /// <inheritdoc />
    public HotDataException(string message) : base(message)
    {
    }

    /// <inheritdoc />
    public HotDataException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public HotDataException(string? key, string message) : base(message) => Key = key;

    /// <summary>The key the request was about.</summary>
    public string? Key { get; }
}
