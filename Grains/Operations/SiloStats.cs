namespace OrleansHotData.Grains.Operations;

/// <summary>What one silo reported about itself for the operations page.</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="HttpUrls">Where the silo serves HTTP.</param>
/// <param name="ReportedAt">When it reported.</param>
/// <param name="Totals">Its running totals.</param>
[GenerateSerializer, Immutable]
public sealed record SiloStats(
    [property: Id(0)] string Silo,
    [property: Id(1)] IReadOnlyList<string> HttpUrls,
    [property: Id(2)] DateTimeOffset ReportedAt,
    [property: Id(3)] HotDataTotals Totals);
