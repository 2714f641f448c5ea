using OrleansHotData.ChangeFeed;
using System.ComponentModel.DataAnnotations;

namespace OrleansHotData.Silo.Api;

/// <summary>Limits of the HTTP API, bound from the <c>HotDataApi</c> configuration section.</summary>
public sealed class HotDataApiOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "HotDataApi";

    /// <summary>The most keys one <c>POST /v1/keys:batchGet</c> may ask for. Default 1000.</summary>
    [Range(1, 100_000)]
    public int MaxBatchGetKeys { get; set; } = 1000;

    /// <summary>
    /// How many changes may wait in the change feed for one watch stream before its oldest are dropped. Default 256. The
    /// stream moves them at once into its own buffer, which <c>Security:Watch:MaxBufferedBytes</c> bounds in bytes.
    /// </summary>
    [Range(1, 1_000_000)]
    public int WatchBufferCapacity { get; set; } = 256;

    /// <summary>How long a watch stream may be idle before a keep-alive comment is sent. Default 15 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WatchHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The silo's near-cache behind <c>GET /v1/keys/{key}</c> and <c>batchGet</c> (<c>HotDataApi:NearCache:*</c>): hot keys
    /// are answered from the value's UTF-8 bytes held in this silo, kept current by their grains. On by default.
    /// </summary>
    public HotDataNearCacheOptions NearCache { get; set; } = new();
}
