namespace OrleansHotData;

/// <summary>Names shared by the silo, the grains and the clients.</summary>
public static class HotDataConstants
{
    /// <summary>The grain storage provider that holds hot-data state.</summary>
    public const string StorageName = "hotdata";

    /// <summary>The grain type of the hot-data grain, part of every stored state's Redis key.</summary>
    public const string GrainType = "hotdata";

    /// <summary>The name of the hot-data grain's persistent state, the last part of its Redis key.</summary>
    public const string StateName = "state";

    /// <summary>The stream namespace whose stream keys are entity keys.</summary>
    public const string StreamNamespace = "hotdata";

    /// <summary>The name of the stream provider that feeds the grains.</summary>
    public const string StreamProviderName = "kafka";

    /// <summary>The default upper bound of a value's size in UTF-8 bytes (1 MiB).</summary>
    public const int DefaultMaxValueBytes = 1024 * 1024;

    /// <summary>The default upper bound of a value's time to live: 10 years (3650 days).</summary>
    public static readonly TimeSpan DefaultMaxTtl = TimeSpan.FromDays(3650);
}
