namespace OrleansHotData;

/// <summary>Where an applied change came from.</summary>
public enum HotDataChangeSource
{
    /// <summary>Not known: the value was last changed before sources were recorded.</summary>
    Unknown = 0,

    /// <summary>The HTTP API or the .NET SDK.</summary>
    Api = 1,

    /// <summary>A Kafka record.</summary>
    Kafka = 2,

    /// <summary>The value's time to live ran out: the key has no value any more.</summary>
    Expiry = 3,
}
