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
}
