namespace OrleansHotData.EmbeddedKafka.Sasl;

/// <summary>
/// Adds the SASL requests to a broker's ApiVersions response, so clients know they may authenticate: the mock
/// broker lists neither SaslHandshake nor SaslAuthenticate, and the proxy in front of it answers both.
/// </summary>
internal static class ApiVersionsRewriter
{
    internal const short ApiVersionsKey = 18;
    internal const short SaslHandshakeKey = 17;
    internal const short SaslAuthenticateKey = 36;

    /// <summary>The SASL versions the proxy answers: SaslHandshake v0–1 and SaslAuthenticate v0–2.</summary>
    internal static readonly (short Key, short Min, short Max)[] SaslApis =
    [
        (SaslHandshakeKey, 0, 1),
        (SaslAuthenticateKey, 0, 2),
    ];

    /// <summary>ApiVersions v3 and later are flexible: compact arrays and tagged fields (the response header stays v0).</summary>
    internal static bool IsFlexible(short apiVersion) => apiVersion >= 3;

    /// <summary>
    /// Returns <paramref name="response"/> (a frame's content: correlation id, then the body of ApiVersions
    /// <paramref name="apiVersion"/>) with the SASL entries added; an error response is returned unchanged.
    /// </summary>
    internal static byte[] AddSasl(ReadOnlySpan<byte> response, short apiVersion)
    {
        var flexible = IsFlexible(apiVersion);
        var reader = new KafkaReader(response);
        var correlationId = reader.ReadInt32();
        var errorCode = reader.ReadInt16();
        if (errorCode != 0)
        {
            return response.ToArray();
        }

        var count = flexible ? (int)reader.ReadUnsignedVarint() - 1 : reader.ReadInt32();
        if (count < 0)
        {
            throw new KafkaProtocolException("ApiVersions response without an api_keys array");
        }

        var kept = new List<(short Key, short Min, short Max)>(count + SaslApis.Length);
        for (var i = 0; i < count; i++)
        {
            var entry = (Key: reader.ReadInt16(), Min: reader.ReadInt16(), Max: reader.ReadInt16());
            if (flexible)
            {
                reader.SkipTaggedFields();
            }

            if (entry.Key is not (SaslHandshakeKey or SaslAuthenticateKey))
            {
                kept.Add(entry);
            }
        }

        kept.AddRange(SaslApis);
        var writer = new KafkaWriter().WriteInt32(correlationId).WriteInt16(errorCode);
        if (flexible)
        {
            writer.WriteUnsignedVarint((uint)kept.Count + 1);
        }
        else
        {
            writer.WriteInt32(kept.Count);
        }

        foreach (var (key, min, max) in kept)
        {
            writer.WriteInt16(key).WriteInt16(min).WriteInt16(max);
            if (flexible)
            {
                writer.WriteNoTaggedFields();
            }
        }

        // throttle_time_ms (v1+) and the response's own tagged fields (v3+) are kept as the broker sent them.
        return writer.WriteRaw(reader.Rest).ToContent();
    }
}
