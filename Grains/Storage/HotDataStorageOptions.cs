using StackExchange.Redis;

namespace OrleansHotData.Grains.Storage;

/// <summary>Where and how a <see cref="HotDataGrainStorage"/> keeps the hot-data grains' state in Redis.</summary>
public sealed class HotDataStorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "HotDataStorage";

    /// <summary>The default of <see cref="Database"/>: the connection's default database.</summary>
    public const int DefaultDatabase = -1;

    /// <summary>The Redis connection. The silo sets it from <c>ConnectionStrings:Redis</c>; required.</summary>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// The start of every state key. Default: <c>{ServiceId}/state/</c>, the prefix of Orleans' Redis grain storage, so
    /// states that storage wrote are found and read after an upgrade. The key goes on with the grain id and grain type.
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>The Redis database number; <c>-1</c> (the default) for the connection's default database.</summary>
    public int Database { get; set; } = DefaultDatabase;
}
