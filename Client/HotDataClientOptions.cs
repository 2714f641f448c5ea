using System.Text.Json;
using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Client;

/// <summary>How a front-end service reaches the hot-data cluster; bound from the <c>HotDataClient</c> section.</summary>
public sealed class HotDataClientOptions
{
    /// <summary>The configuration section these options are usually bound from.</summary>
    public const string SectionName = "HotDataClient";

    /// <summary>The Redis server that holds the cluster's membership (the silos' <c>ConnectionStrings:Redis</c>). Required.</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>The cluster id the silos run with. Default <c>hotdata</c>.</summary>
    public string ClusterId { get; set; } = "hotdata";

    /// <summary>The service id the silos run with. Default <c>hotdata</c>.</summary>
    public string ServiceId { get; set; } = "hotdata";

    /// <summary>The longest key accepted, in UTF-8 bytes; keep it equal to the silos' <c>HotData:MaxKeyBytes</c>. Default 512.</summary>
    public int MaxKeyBytes { get; set; } = HotDataKey.DefaultMaxBytes;

    /// <summary>The largest value sent, in UTF-8 bytes; keep it equal to the silos' <c>HotData:MaxValueBytes</c>. Default 1 MiB.</summary>
    public int MaxValueBytes { get; set; } = HotDataConstants.DefaultMaxValueBytes;

    /// <summary>How many changes may wait for one watcher before its oldest are dropped. Default 256.</summary>
    public int WatchBufferCapacity { get; set; } = DefaultWatchBufferCapacity;

    /// <summary>The default of <see cref="WatchBufferCapacity"/>.</summary>
    public const int DefaultWatchBufferCapacity = 256;

    /// <summary>The near-cache that serves reads from this process's memory (<c>HotDataClient:NearCache:*</c>). On by default.</summary>
    public HotDataNearCacheOptions NearCache { get; set; } = new();

    /// <summary>How values are turned into JSON and back. Default: <see cref="JsonSerializerDefaults.Web"/>.</summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
