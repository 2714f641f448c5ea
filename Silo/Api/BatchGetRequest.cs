namespace OrleansHotData.Silo.Api;

/// <summary>The body of <c>POST /v1/keys:batchGet</c>.</summary>
/// <param name="Keys">The keys to read.</param>
public sealed record BatchGetRequest(IReadOnlyList<string?>? Keys);
