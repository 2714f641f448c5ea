using System.ComponentModel.DataAnnotations;

namespace OrleansHotData.Grains;

/// <summary>Limits of the hot-data grains, bound from the <c>HotData</c> configuration section.</summary>
public sealed class HotDataOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "HotData";

    /// <summary>The upper bound of a key's length in UTF-8 bytes. Default 512.</summary>
    [Range(1, 64 * 1024)]
    public int MaxKeyBytes { get; set; } = HotDataKey.DefaultMaxBytes;

    /// <summary>The upper bound of a value's size in UTF-8 bytes. Default 1 MiB.</summary>
    [Range(2, 64 * 1024 * 1024)]
    public int MaxValueBytes { get; set; } = HotDataConstants.DefaultMaxValueBytes;
}
