using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OrleansHotData.Silo.Api;

/// <summary>Reads a request body that must be one JSON document within a size limit, refusing early and cheaply.</summary>
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

        try
        {
            var json = StrictUtf8.GetString(body);
            using var _ = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            return (json, null);
        }
        catch (DecoderFallbackException)
        {
            return (null, ApiProblem.InvalidRequest("The body is not valid UTF-8."));
        }
        catch (JsonException ex)
        {
            return (null, ApiProblem.InvalidRequest($"The body is not valid JSON: {ex.Message}"));
        }
    }
}
