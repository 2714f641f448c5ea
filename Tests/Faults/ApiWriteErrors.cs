using System.Net;
using System.Net.Sockets;
using OrleansHotData.Client;
using OrleansHotData.Grains;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Tells an API write whose outcome is unknown from one the system refused. Only a failure on the way (no answer, a
/// broken connection, a timeout) or an answer that the service is unavailable (HTTP 503; through the SDK an Orleans
/// runtime failure or an unavailable store) leaves the outcome unknown: the write may or may not have been applied.
/// Every other answer — 400, 409, 500, a <see cref="HotDataException"/>, anything else thrown — is a refusal: the
/// write was not applied, and a fault test expects none unless it names the kinds it expects.
/// </summary>
public static class ApiWriteErrors
{
    /// <summary>Whether the write that failed with <paramref name="exception"/> may have been applied.</summary>
    public static bool IsOutcomeUnknown(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            HttpWriteException http => http.Status == HttpStatusCode.ServiceUnavailable,
            HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException => true,
            HotDataException => false,
            OrleansException => true,
            _ => InfrastructureFailure.Is(exception),
        };
    }

    /// <summary>A short name of what refused a write: <c>HTTP 409</c>, or the exception's type.</summary>
    public static string KindOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is HttpWriteException http ? $"HTTP {(int)http.Status}" : exception.GetType().Name;
    }
}
