using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansHotData.EmbeddedKafka.Sasl;

/// <summary>A frame's content was not what the Kafka protocol allows.</summary>
internal sealed class KafkaProtocolException(string message) : Exception(message);

/// <summary>Reads Kafka protocol fields (big-endian integers, strings, bytes, varints, tagged fields) from a frame.</summary>
internal ref struct KafkaReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;

    internal int Position { get; private set; }

    internal readonly ReadOnlySpan<byte> Rest => data[Position..];

    internal short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    internal int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    /// <summary>An unsigned varint (at most 5 bytes), as used for compact lengths and tagged fields.</summary>
    internal uint ReadUnsignedVarint()
    {
        uint value = 0;
        for (var shift = 0; shift <= 28; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new KafkaProtocolException("a varint is longer than 5 bytes");
    }

    /// <summary>A nullable string with an int16 length (-1 = null).</summary>
    internal string? ReadNullableString()
    {
        var length = ReadInt16();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Bytes with an int32 length, or with a compact (varint length + 1) one.</summary>
    internal ReadOnlySpan<byte> ReadBytes(bool compact)
    {
        var length = compact ? (long)ReadUnsignedVarint() - 1 : ReadInt32();
        if (length < 0)
        {
            throw new KafkaProtocolException("null bytes where bytes are required");
        }

        return Take((int)Math.Min(length, int.MaxValue));
    }

    /// <summary>Skips a tagged-field section: a varint count, then per field a varint tag, a varint size and the data.</summary>
    internal void SkipTaggedFields()
    {
        var count = ReadUnsignedVarint();
        for (var i = 0u; i < count; i++)
        {
            _ = ReadUnsignedVarint();
            _ = Take(checked((int)ReadUnsignedVarint()));
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > data.Length - Position)
        {
            throw new KafkaProtocolException($"the frame ends {count} byte(s) short at offset {Position}");
        }

        var taken = data.Slice(Position, count);
        Position += count;
        return taken;
    }
}

/// <summary>Builds a Kafka protocol frame: the content, then <see cref="ToFrame"/> puts the int32 size in front.</summary>
internal sealed class KafkaWriter
{
    private readonly ArrayBufferWriter<byte> buffer = new();

    internal KafkaWriter WriteInt16(short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    internal KafkaWriter WriteInt32(int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    internal KafkaWriter WriteInt64(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    internal KafkaWriter WriteUnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            buffer.Write([(byte)(value | 0x80)]);
            value >>= 7;
        }

        buffer.Write([(byte)value]);
        return this;
    }

    /// <summary>A nullable string: int16 length (-1 = null), or compact (varint length + 1, 0 = null).</summary>
    internal KafkaWriter WriteNullableString(string? value, bool compact)
    {
        if (value is null)
        {
            return compact ? WriteUnsignedVarint(0) : WriteInt16(-1);
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        if (compact)
        {
            WriteUnsignedVarint((uint)bytes.Length + 1);
        }
        else
        {
            WriteInt16(checked((short)bytes.Length));
        }

        return WriteRaw(bytes);
    }

    /// <summary>Bytes: int32 length, or compact (varint length + 1).</summary>
    internal KafkaWriter WriteBytes(ReadOnlySpan<byte> value, bool compact)
    {
        if (compact)
        {
            WriteUnsignedVarint((uint)value.Length + 1);
        }
        else
        {
            WriteInt32(value.Length);
        }

        return WriteRaw(value);
    }

    /// <summary>An empty tagged-field section.</summary>
    internal KafkaWriter WriteNoTaggedFields() => WriteUnsignedVarint(0);

    internal KafkaWriter WriteRaw(ReadOnlySpan<byte> bytes)
    {
        buffer.Write(bytes);
        return this;
    }

    /// <summary>The content written so far, without a size.</summary>
    internal byte[] ToContent() => buffer.WrittenSpan.ToArray();

    /// <summary>The content with its int32 size in front, ready to send.</summary>
    internal byte[] ToFrame()
    {
        var frame = new byte[4 + buffer.WrittenCount];
        BinaryPrimitives.WriteInt32BigEndian(frame, buffer.WrittenCount);
        buffer.WrittenSpan.CopyTo(frame.AsSpan(4));
        return frame;
    }
}

/// <summary>Frame reading off a stream and the request header.</summary>
internal static class KafkaFrames
{
    /// <summary>The largest request accepted before authentication; SASL exchanges are small.</summary>
    internal const int MaxUnauthenticatedFrame = 64 * 1024;

    /// <summary>The largest response read from the broker before authentication (an ApiVersions answer).</summary>
    internal const int MaxBrokerFrame = 1024 * 1024;

    /// <summary>Reads one size-prefixed frame and returns its content; null when the peer closed before a frame began.</summary>
    internal static async Task<byte[]?> ReadFrameAsync(Stream stream, int maxSize, CancellationToken cancellation)
    {
        var sizeBytes = new byte[4];
        var read = await stream.ReadAtLeastAsync(sizeBytes, 4, throwOnEndOfStream: false, cancellation);
        if (read < 4)
        {
            return null;
        }

        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size < 0 || size > maxSize)
        {
            throw new KafkaProtocolException($"a frame of {size} bytes (at most {maxSize} allowed here)");
        }

        var content = new byte[size];
        await stream.ReadExactlyAsync(content, cancellation);
        return content;
    }
}

/// <summary>The fixed start of every request header (v1 and v2): api key, version, correlation id and client id.</summary>
internal readonly record struct RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>
    /// Reads the header; with <paramref name="flexible"/> (request header v2) also skips its tagged fields, leaving
    /// the reader at the request body.
    /// </summary>
    internal static RequestHeader Read(ref KafkaReader reader, Func<short, short, bool> flexible)
    {
        var apiKey = reader.ReadInt16();
        var apiVersion = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString();
        if (flexible(apiKey, apiVersion))
        {
            reader.SkipTaggedFields();
        }

        return new RequestHeader(apiKey, apiVersion, correlationId, clientId);
    }
}
