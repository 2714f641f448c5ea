namespace OrleansHotData.Tests.Faults;

/// <summary>The fate <see cref="StorageFaults"/> chose for one grain state write.</summary>
public enum StorageFault
{
    /// <summary>Written and reported written.</summary>
    None,

    /// <summary>Reported failed without reaching Redis.</summary>
    BeforeWrite,

    /// <summary>Written to Redis, then reported failed, as when the answer is lost.</summary>
    AfterWrite,
}
