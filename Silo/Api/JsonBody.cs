using System.Buffers;
using System.Text;
using OrleansHotData.Grains;

namespace OrleansHotData.Silo.Api;

/// <summary>
/// Reads a request body that must be one JSON document within a size limit, refusing early and cheaply; what counts as
/// a document is <see cref="HotDataJson"/>'s rule, the same as for Kafka records.
/// </summary>
public static class JsonBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body as a string, or the problem response that refuses it.</summary>
    public static async Task<(string? Json, IResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, ApiProblem.TooLarge($"The body is {request.ContentLength} bytes; the limit is {maxBytes}."));
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length > maxBytes)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return (null, ApiProblem.TooLarge($"The body is over the limit of {maxBytes} bytes."));
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                var result = Decode(buffer);
                reader.AdvanceTo(buffer.End);
                return result;
            }

            // Keep everything buffered until the body is complete.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static (string? Json, IResult? Problem) Decode(ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, ApiProblem.InvalidRequest("The request has no body; send a JSON document."));
        }

        string json;
        try
        {
            json = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return (null, ApiProblem.InvalidRequest("The body is not valid UTF-8."));
        }

        return HotDataJson.Validate(json) is { } error
            ? (null, ApiProblem.InvalidRequest($"The body is not valid JSON: {error}"))
            : (json, null);
    }
}
