namespace OrleansHotData.Tests.Robustness;

/// <summary>The HTTP answer the documented rules require for one request.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Value">After a success: the key's value (null for a delete).</param>
/// <param name="Reason">Which rule decides it, for the report.</param>
public sealed record ExpectedAnswer(int Status, ModelJson? Value, string Reason)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}
