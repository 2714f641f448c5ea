using System.Buffers.Binary;
using System.Text;

namespace OrleansHotData.Grains.Storage;

/// <summary>
/// The bytes a <see cref="HotDataGrainStorage"/> stores for a key: a small versioned binary record, read and written
/// without the Orleans serializer or a JSON tree. Pure: no I/O.
/// </summary>
/// <remarks>
/// Format 1, little-endian:
/// <code>
/// u8   format (1)
/// u64  write counter (the ETag)              at offset 1, so that the write script compares bytes 0–8 alone
/// u8   flags: 1 state present (0: cleared, nothing follows), 2 value, 4 expires-at, 8 upstream version
/// i64  version
/// i64  updated-at UTC ticks, i16 its offset in minutes
/// [i64 expires-at UTC ticks, i16 offset]      when flag 4
/// [i64 upstream version]                      when flag 8
/// u8   last source
/// var  number of source offsets; each: var length, UTF-8 source name, i64 offset
/// [var length, UTF-8 JSON of the value]       when flag 2
/// </code>
/// "var" is an unsigned LEB128 number. The record must end exactly where its last field does.
/// </remarks>
public static class HotDataStateFormat
{
    /// <summary>The format byte this version writes.</summary>
    public const byte CurrentFormat = 1;

    /// <summary>The bytes at the start of a record that identify its format and write counter.</summary>
    public const int HeaderLength = 1 + sizeof(ulong);

    private const byte StatePresent = 1;
    private const byte HasValue = 2;
    private const byte HasExpiresAt = 4;
    private const byte HasUpstreamVersion = 8;
    private const byte KnownFlags = StatePresent | HasValue | HasExpiresAt | HasUpstreamVersion;
    private const int TimestampLength = sizeof(long) + sizeof(short);

    // Strict both ways: text that is not valid UTF-16 or bytes that are not valid UTF-8 are errors, never silently replaced.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The record of <paramref name="state"/> (or of a cleared state, when <see langword="null"/>) at <paramref name="writeCounter"/>.</summary>
    public static byte[] Encode(ulong writeCounter, HotDataState? state)
    {
        if (state is null)
        {
            var cleared = new byte[HeaderLength + 1];
            WriteHeader(cleared, writeCounter);
            return cleared;
        }

        var jsonLength = state.Json is null ? 0 : Utf8.GetByteCount(state.Json);
        var length = HeaderLength + 1 + sizeof(long) + TimestampLength + 1
            + (state.ExpiresAt is null ? 0 : TimestampLength)
            + (state.UpstreamVersion is null ? 0 : sizeof(long))
            + VarLength((uint)(state.SourceOffsets?.Count ?? 0))
            + (state.Json is null ? 0 : VarLength((uint)jsonLength) + jsonLength);
        if (state.SourceOffsets is { } offsets)
        {
            foreach (var (source, _) in offsets)
            {
                var nameLength = Utf8.GetByteCount(source);
                length += VarLength((uint)nameLength) + nameLength + sizeof(long);
            }
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        WriteHeader(span, writeCounter);
        var position = HeaderLength;
        span[position++] = (byte)(StatePresent
            | (state.Json is null ? 0 : HasValue)
            | (state.ExpiresAt is null ? 0 : HasExpiresAt)
            | (state.UpstreamVersion is null ? 0 : HasUpstreamVersion));
        BinaryPrimitives.WriteInt64LittleEndian(span[position..], state.Version);
        position += sizeof(long);
        position += WriteTimestamp(span[position..], state.UpdatedAt);
        if (state.ExpiresAt is { } expiresAt)
        {
            position += WriteTimestamp(span[position..], expiresAt);
        }

        if (state.UpstreamVersion is { } upstream)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[position..], upstream);
            position += sizeof(long);
        }

        span[position++] = (byte)state.LastSource;
        position += WriteVar(span[position..], (uint)(state.SourceOffsets?.Count ?? 0));
        if (state.SourceOffsets is { } sourceOffsets)
        {
            foreach (var (source, offset) in sourceOffsets)
            {
                position += WriteVar(span[position..], (uint)Utf8.GetByteCount(source));
                position += Utf8.GetBytes(source, span[position..]);
                BinaryPrimitives.WriteInt64LittleEndian(span[position..], offset);
                position += sizeof(long);
            }
        }

        if (state.Json is { } json)
        {
            position += WriteVar(span[position..], (uint)jsonLength);
            position += Utf8.GetBytes(json, span[position..]);
        }

        return position == length ? bytes : throw new InvalidOperationException($"Encoded {position} bytes of a {length}-byte record.");
    }

    /// <summary>The header <see cref="Encode"/> would start a record at <paramref name="writeCounter"/> with.</summary>
    public static byte[] Header(ulong writeCounter)
    {
        var header = new byte[HeaderLength];
        WriteHeader(header, writeCounter);
        return header;
    }

    /// <summary>Reads a record written by <see cref="Encode"/>.</summary>
    /// <exception cref="HotDataStateFormatException">The bytes are of an unknown format, cut short, or damaged.</exception>
    public static StoredHotDataState Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new HotDataStateFormatException("The stored hot-data state is empty.");
        }

        if (bytes[0] != CurrentFormat)
        {
            throw new HotDataStateFormatException(
                $"The stored hot-data state has format {bytes[0]}; this silo reads format {CurrentFormat} only (written by a newer version, or not a hot-data state).");
        }

        var reader = new Reader(bytes, 1);
        var writeCounter = reader.UInt64();
        var flags = reader.Byte();
        if ((flags & ~KnownFlags) != 0 || ((flags & StatePresent) == 0 && flags != 0))
        {
            throw new HotDataStateFormatException($"The stored hot-data state has unknown flags 0x{flags:x2}.");
        }

        if ((flags & StatePresent) == 0)
        {
            reader.End();
            return new StoredHotDataState(writeCounter, null);
        }

        var version = reader.Int64();
        var updatedAt = reader.Timestamp();
        DateTimeOffset? expiresAt = (flags & HasExpiresAt) != 0 ? reader.Timestamp() : null;
        long? upstreamVersion = (flags & HasUpstreamVersion) != 0 ? reader.Int64() : null;
        var lastSource = (HotDataChangeSource)reader.Byte();
        if (!Enum.IsDefined(lastSource))
        {
            throw new HotDataStateFormatException($"The stored hot-data state names an unknown last source {(int)lastSource}.");
        }

        var count = reader.Var();
        Dictionary<string, long>? sourceOffsets = null;
        if (count > 0)
        {
            // Each entry takes at least 9 bytes: a bound that keeps a damaged count from allocating a huge dictionary.
            if (count > reader.Remaining / (1 + sizeof(long)))
            {
                throw new HotDataStateFormatException($"The stored hot-data state claims {count} source offsets in {reader.Remaining} bytes.");
            }

            sourceOffsets = new Dictionary<string, long>((int)count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var source = reader.Text();
                if (!sourceOffsets.TryAdd(source, reader.Int64()))
                {
                    throw new HotDataStateFormatException($"The stored hot-data state names source '{source}' twice.");
                }
            }
        }

        var json = (flags & HasValue) != 0 ? reader.Text() : null;
        reader.End();
        return new StoredHotDataState(writeCounter, new HotDataState
        {
            Json = json,
            Version = version,
            UpdatedAt = updatedAt,
            ExpiresAt = expiresAt,
            UpstreamVersion = upstreamVersion,
            SourceOffsets = sourceOffsets,
            LastSource = lastSource,
        });
    }

    private static void WriteHeader(Span<byte> span, ulong writeCounter)
    {
        span[0] = CurrentFormat;
        BinaryPrimitives.WriteUInt64LittleEndian(span[1..], writeCounter);
    }

    private static int WriteTimestamp(Span<byte> span, DateTimeOffset value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, value.UtcTicks);
        BinaryPrimitives.WriteInt16LittleEndian(span[sizeof(long)..], (short)value.TotalOffsetMinutes);
        return TimestampLength;
    }

    private static int VarLength(uint value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }

    private static int WriteVar(Span<byte> span, uint value)
    {
        var position = 0;
        while (value >= 0x80)
        {
            span[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[position++] = (byte)value;
        return position;
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, int position)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position = position;

        public readonly int Remaining => _bytes.Length - _position;

        public byte Byte() => Take(1)[0];

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(sizeof(long)));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(sizeof(ulong)));

        public DateTimeOffset Timestamp()
        {
            var ticks = Int64();
            var offsetMinutes = BinaryPrimitives.ReadInt16LittleEndian(Take(sizeof(short)));
            try
            {
                return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
            }
            catch (ArgumentException ex)
            {
                throw new HotDataStateFormatException($"The stored hot-data state holds an impossible time ({ticks} ticks, offset {offsetMinutes} min).", ex);
            }
        }

        public uint Var()
        {
            uint value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var next = Byte();
                value |= (uint)(next & 0x7f) << shift;
                if (next < 0x80)
                {
                    return value;
                }
            }

            throw new HotDataStateFormatException("The stored hot-data state holds a length longer than five bytes.");
        }

        public string Text()
        {
            var length = Var();
            if (length > Remaining)
            {
                throw new HotDataStateFormatException($"The stored hot-data state is cut short: a {length}-byte text with {Remaining} bytes left.");
            }

            try
            {
                return Utf8.GetString(Take((int)length));
            }
            catch (DecoderFallbackException ex)
            {
                throw new HotDataStateFormatException("The stored hot-data state holds text that is not valid UTF-8.", ex);
            }
        }

        public readonly void End()
        {
            if (_position != _bytes.Length)
            {
                throw new HotDataStateFormatException($"The stored hot-data state has {_bytes.Length - _position} bytes after its last field.");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _bytes.Length - _position)
            {
                throw new HotDataStateFormatException($"The stored hot-data state is cut short: {_bytes.Length} bytes, more expected after byte {_position}.");
            }

            var taken = _bytes.Slice(_position, count);
            _position += count;
            return taken;
        }
    }
}
