using System.Net;

namespace OrleansHotData.Tests.Robustness;

/// <summary>A GET's answer: status, ETag and body.</summary>
public sealed record ReadResult(HttpStatusCode Status, string? ETag, byte[] Body)
{
    public override string ToString() => $"{(int)Status} ETag {ETag} {HttpInputSequence.Preview(Body)}";
}
