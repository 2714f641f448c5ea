using Microsoft.Extensions.Logging;

namespace OrleansHotData.EmbeddedKafka.Sasl;

/// <summary>
/// Authenticates one client connection in front of a mock broker, which knows no SASL: ApiVersions goes to the
/// broker and comes back with the SASL requests added; SaslHandshake and SaslAuthenticate are answered here. Any
/// other request before authentication succeeds, or a failed authentication, ends the connection. Reads exactly
/// the frames it handles, so after success the caller relays the remaining bytes untouched.
/// </summary>
internal sealed class SaslGate(SaslUsers users, IReadOnlyList<string> mechanisms, ILogger logger)
{
    /// <summary>UNSUPPORTED_SASL_MECHANISM.</summary>
    internal const short UnsupportedSaslMechanism = 33;

    /// <summary>ILLEGAL_SASL_STATE.</summary>
    internal const short IllegalSaslState = 34;

    /// <summary>SASL_AUTHENTICATION_FAILED.</summary>
    internal const short SaslAuthenticationFailed = 58;

    /// <summary>The mechanisms offered, in order.</summary>
    internal IReadOnlyList<string> Mechanisms => mechanisms;

    /// <summary>
    /// Runs the exchange on <paramref name="client"/>; true once the client is authenticated, false when the
    /// connection should close (the client left, sent another request first, or failed to authenticate).
    /// </summary>
    internal async Task<bool> AuthenticateAsync(Stream client, Stream broker, string peer, CancellationToken cancellation)
    {
        SaslExchange? exchange = null;
        var rawTokens = false;
        while (true)
        {
            var frame = await KafkaFrames.ReadFrameAsync(client, KafkaFrames.MaxUnauthenticatedFrame, cancellation);
            if (frame is null)
            {
                return false;
            }

            if (rawTokens)
            {
                // After SaslHandshake v0 the SASL messages come as bare size-prefixed tokens, not as requests.
                var step = exchange!.Evaluate(frame);
                if (!Report(step, exchange, peer))
                {
                    return false;
                }

                await client.WriteAsync(new KafkaWriter().WriteRaw(step.Response).ToFrame(), cancellation);
                if (step.Succeeded)
                {
                    return true;
                }

                continue;
            }

            var reader = new KafkaReader(frame);
            var header = RequestHeader.Read(ref reader, IsFlexibleRequest);
            switch (header.ApiKey)
            {
                case ApiVersionsRewriter.ApiVersionsKey:
                    await broker.WriteAsync(new KafkaWriter().WriteRaw(frame).ToFrame(), cancellation);
                    var response = await KafkaFrames.ReadFrameAsync(broker, KafkaFrames.MaxBrokerFrame, cancellation);
                    if (response is null)
                    {
                        return false;
                    }

                    var rewritten = ApiVersionsRewriter.AddSasl(response, header.ApiVersion);
                    await client.WriteAsync(new KafkaWriter().WriteRaw(rewritten).ToFrame(), cancellation);
                    break;

                case ApiVersionsRewriter.SaslHandshakeKey when exchange is null && header.ApiVersion is 0 or 1:
                    var mechanism = reader.ReadNullableString() ?? string.Empty;
                    var enabled = mechanisms.Contains(mechanism, StringComparer.Ordinal);
                    await client.WriteAsync(HandshakeResponse(header.CorrelationId, enabled ? (short)0 : UnsupportedSaslMechanism), cancellation);
                    if (!enabled)
                    {
                        HostLog.SaslMechanismRefused(logger, mechanism, peer, string.Join(',', mechanisms));
                        break;
                    }

                    exchange = SaslExchange.Start(mechanism, users);
                    rawTokens = header.ApiVersion == 0;
                    break;

                case ApiVersionsRewriter.SaslAuthenticateKey when exchange is not null && header.ApiVersion is >= 0 and <= 2:
                    var flexible = header.ApiVersion >= 2;
                    var authStep = exchange.Evaluate(reader.ReadBytes(flexible));
                    var authenticated = Report(authStep, exchange, peer);
                    await client.WriteAsync(AuthenticateResponse(header, authStep), cancellation);
                    if (!authenticated || authStep.Succeeded)
                    {
                        return authenticated;
                    }

                    break;

                default:
                    HostLog.SaslRequestRefused(logger, header.ApiKey, header.ApiVersion, peer);
                    return false;
            }
        }
    }

    /// <summary>Request header v2 (with tagged fields) for the flexible versions of the requests read here.</summary>
    internal static bool IsFlexibleRequest(short apiKey, short apiVersion) => apiKey switch
    {
        ApiVersionsRewriter.ApiVersionsKey => ApiVersionsRewriter.IsFlexible(apiVersion),
        ApiVersionsRewriter.SaslAuthenticateKey => apiVersion >= 2,
        _ => false,
    };

    /// <summary>SaslHandshake v0/v1 response (header v0): error code and the enabled mechanisms.</summary>
    internal byte[] HandshakeResponse(int correlationId, short errorCode)
    {
        var writer = new KafkaWriter().WriteInt32(correlationId).WriteInt16(errorCode).WriteInt32(mechanisms.Count);
        foreach (var mechanism in mechanisms)
        {
            writer.WriteNullableString(mechanism, compact: false);
        }

        return writer.ToFrame();
    }

    /// <summary>SaslAuthenticate response: v0 error, message, bytes; v1 adds the session lifetime; v2 is flexible (header v1).</summary>
    internal static byte[] AuthenticateResponse(RequestHeader header, SaslStep step)
    {
        var flexible = header.ApiVersion >= 2;
        var writer = new KafkaWriter().WriteInt32(header.CorrelationId);
        if (flexible)
        {
            writer.WriteNoTaggedFields();
        }

        writer.WriteInt16(step.Failure is null ? (short)0 : SaslAuthenticationFailed)
            .WriteNullableString(step.Failure, flexible)
            .WriteBytes(step.Response, flexible);
        if (header.ApiVersion >= 1)
        {
            writer.WriteInt64(0);
        }

        if (flexible)
        {
            writer.WriteNoTaggedFields();
        }

        return writer.ToFrame();
    }

    /// <summary>Logs the end of an exchange; false when it failed.</summary>
    private bool Report(SaslStep step, SaslExchange exchange, string peer)
    {
        if (step.Failure is not null)
        {
            HostLog.SaslFailed(logger, exchange.User ?? "(none)", exchange.Mechanism, peer, step.Failure);
            return false;
        }

        if (step.Succeeded)
        {
            HostLog.SaslSucceeded(logger, exchange.User ?? "(none)", exchange.Mechanism, peer);
        }

        return true;
    }
}
