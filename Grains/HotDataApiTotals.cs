namespace OrleansHotData.Grains;

/// <summary>The requests one silo answered for one route, method and status, and their summed latency.</summary>
[GenerateSerializer, Immutable]
public sealed record HotDataApiTotals(
    [property: Id(0)] string Route,
    [property: Id(1)] string Method,
    [property: Id(2)] int Status,
    [property: Id(3)] long Count,
    [property: Id(4)] double Seconds);
