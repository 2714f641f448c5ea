using System.Net;

namespace OrleansHotData.Tests.Faults;

/// <summary>An HTTP API write answered with a status other than success.</summary>
public sealed class HttpWriteException(HttpStatusCode status, string? contentType, string body)
    : Exception($"HTTP {(int)status} {contentType}: {body}")
{
    public HttpStatusCode Status { get; } = status;

    public string? ContentType { get; } = contentType;

    public string Body { get; } = body;
}
