namespace OrleansHotData.Grains.Storage;

/// <summary>
/// Stored bytes that are not a hot-data state this silo can read: an unknown format, or data cut short or damaged.
/// Reading the same bytes fails the same way every time, so it is not retried as a failure of Redis would be.
/// </summary>
public sealed class HotDataStateFormatException : Exception
{
    public HotDataStateFormatException()
    {
    }

    public HotDataStateFormatException(string message)
        : base(message)
    {
    }

    public HotDataStateFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
