using System.Reflection;
using OrleansHotData.Grains.Operations;

namespace OrleansHotData.Silo.Operations;

/// <summary>
/// <c>/ops</c>: a one-page view of what an operator of this system looks at first — ingest rate, dead letters, Kafka
/// lag per partition, API rates and latency — for the whole cluster, beside the Orleans dashboard.
/// </summary>
public static class OperationsEndpoints
{
    public const string PagePath = "/ops";
    public const string StatsPath = "/ops/stats";
    public const string ClusterPath = "/ops/cluster";

    private const string PageResource = "OrleansHotData.Silo.Operations.operations.html";
    private static readonly Lazy<byte[]> Page = new(LoadPage);

    /// <summary>Maps the page and its data; the returned group takes the conventions of both (their authorization).</summary>
    public static RouteGroupBuilder MapOperationsEndpoints(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("");
        operations.MapGet(PagePath, () => Results.Bytes(Page.Value, "text/html; charset=utf-8"))
            .ExcludeFromDescription();
        operations.MapGet(StatsPath, async (IGrainFactory grains) =>
            {
                var silos = await grains.GetGrain<IClusterStatsGrain>(ClusterStatsGrain.Key).GetAsync();
                return Results.Json(new { now = DateTimeOffset.UtcNow, silos });
            })
            .ExcludeFromDescription();
        // This silo's own view: the membership as it sees it and the Kafka partitions it reads now.
        operations.MapGet(ClusterPath, async (ClusterViewSource view, CancellationToken cancellationToken) =>
                Results.Json(await view.GetAsync(cancellationToken)))
            .ExcludeFromDescription();
        return operations;
    }

    private static byte[] LoadPage()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The resource {PageResource} is missing from the silo assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
