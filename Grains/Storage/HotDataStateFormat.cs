using System.Buffers.Binary;
using System.Text;
using OrleansHotData.Grains.Changelog;

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
/// u8   flags: 1 state present (0: cleared, nothing follows), 2 value, 4 expires-at, 8 upstream version, 16 outbox
/// i64  version
/// i64  updated-at UTC ticks, i16 its offset in minutes
/// [i64 expires-at UTC ticks, i16 offset]      when flag 4
/// [i64 upstream version]                      when flag 8
/// u8   last source
/// var  number of source offsets; each: var length, UTF-8 source name, i64 offset
/// [var length, UTF-8 JSON of the value]       when flag 2
/// [var number of outbox entries; each:        when flag 16 (records written before the changelog never have it)
///   i64 version
///   u8  flags: 1 value, 2 the value is the state's own (not repeated), 4 expires-at, 8 upstream version
///   u8  source
///   i64 updated-at UTC ticks, i16 offset
///   [i64 expires-at UTC ticks, i16 offset]    when flag 4
///   [i64 upstream version]                    when flag 8
///   [var length, UTF-8 JSON]                  when flag 1 and not 2]
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
    private const byte HasOutbox = 16;
    private const byte KnownFlags = StatePresent | HasValue | HasExpiresAt | HasUpstreamVersion | HasOutbox;

    private const byte EntryHasValue = 1;
    private const byte EntryValueIsState = 2;
    private const byte EntryHasExpiresAt = 4;
    private const byte EntryHasUpstreamVersion = 8;
    private const byte EntryKnownFlags = EntryHasValue | EntryValueIsState | EntryHasExpiresAt | EntryHasUpstreamVersion;
    // version, flags, source, updated-at: the least an outbox entry takes.
    private const int MinEntryLength = sizeof(long) + 1 + 1 + TimestampLength;
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

        var outbox = state.Outbox is { Count: > 0 } entries ? entries : null;
        if (outbox is not null)
        {
            length += VarLength((uint)outbox.Count);
            foreach (var entry in outbox)
            {
                length += EntryLength(entry, state.Json);
            }
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        WriteHeader(span, writeCounter);
        var position = HeaderLength;
        span[position++] = (byte)(StatePresent
            | (state.Json is null ? 0 : HasValue)
            | (state.ExpiresAt is null ? 0 : HasExpiresAt)
            | (state.UpstreamVersion is null ? 0 : HasUpstreamVersion)
            | (outbox is null ? 0 : HasOutbox));
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

        if (outbox is not null)
        {
            position += WriteVar(span[position..], (uint)outbox.Count);
            foreach (var entry in outbox)
            {
                position += WriteEntry(span[position..], entry, state.Json);
            }
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
        var outbox = (flags & HasOutbox) != 0 ? ReadOutbox(ref reader, json) : null;
        reader.End();
        return new StoredHotDataState(writeCounter, new HotDataState
        {
            Outbox = outbox,
            Json = json,
            Version = version,
            UpdatedAt = updatedAt,
            ExpiresAt = expiresAt,
            UpstreamVersion = upstreamVersion,
            SourceOffsets = sourceOffsets,
            LastSource = lastSource,
        });
    }

    private static ChangelogEntry[] ReadOutbox(ref Reader reader, string? stateJson)
    {
        var count = reader.Var();
        if (count == 0 || count > reader.Remaining / MinEntryLength)
        {
            throw new HotDataStateFormatException($"The stored hot-data state claims {count} outbox entries in {reader.Remaining} bytes.");
        }

        var entries = new ChangelogEntry[count];
        for (var i = 0; i < entries.Length; i++)
        {
            var version = reader.Int64();
            var flags = reader.Byte();
            if ((flags & ~EntryKnownFlags) != 0 || ((flags & EntryValueIsState) != 0 && ((flags & EntryHasValue) == 0 || stateJson is null)))
            {
                throw new HotDataStateFormatException($"Outbox entry {i} of the stored hot-data state has impossible flags 0x{flags:x2}.");
            }

            var source = (HotDataChangeSource)reader.Byte();
            if (!Enum.IsDefined(source))
            {
                throw new HotDataStateFormatException($"Outbox entry {i} of the stored hot-data state names an unknown source {(int)source}.");
            }

            var updatedAt = reader.Timestamp();
            DateTimeOffset? expiresAt = (flags & EntryHasExpiresAt) != 0 ? reader.Timestamp() : null;
            long? upstream = (flags & EntryHasUpstreamVersion) != 0 ? reader.Int64() : null;
            var json = (flags & EntryHasValue) == 0 ? null : (flags & EntryValueIsState) != 0 ? stateJson : reader.Text();
            entries[i] = new ChangelogEntry(version, json, source, updatedAt, expiresAt, upstream);
        }

        return entries;
    }

    // An entry whose value is the state's own (the newest change, almost always) does not repeat it.
    private static bool ValueIsState(ChangelogEntry entry, string? stateJson) =>
        entry.Json is not null && ReferenceEquals(entry.Json, stateJson);

    private static int EntryLength(ChangelogEntry entry, string? stateJson)
    {
        var length = MinEntryLength
            + (entry.ExpiresAt is null ? 0 : TimestampLength)
            + (entry.UpstreamVersion is null ? 0 : sizeof(long));
        if (entry.Json is { } json && !ValueIsState(entry, stateJson))
        {
            var jsonLength = Utf8.GetByteCount(json);
            length += VarLength((uint)jsonLength) + jsonLength;
        }

        return length;
    }

    private static int WriteEntry(Span<byte> span, ChangelogEntry entry, string? stateJson)
    {
        var valueIsState = ValueIsState(entry, stateJson);
        BinaryPrimitives.WriteInt64LittleEndian(span, entry.Version);
        var position = sizeof(long);
        span[position++] = (byte)((entry.Json is null ? 0 : EntryHasValue)
            | (valueIsState ? EntryValueIsState : 0)
            | (entry.ExpiresAt is null ? 0 : EntryHasExpiresAt)
            | (entry.UpstreamVersion is null ? 0 : EntryHasUpstreamVersion));
        span[position++] = (byte)entry.Source;
        position += WriteTimestamp(span[position..], entry.UpdatedAt);
        if (entry.ExpiresAt is { } expiresAt)
        {
            position += WriteTimestamp(span[position..], expiresAt);
        }

        if (entry.UpstreamVersion is { } upstream)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[position..], upstream);
            position += sizeof(long);
        }

        if (entry.Json is { } json && !valueIsState)
        {
            position += WriteVar(span[position..], (uint)Utf8.GetByteCount(json));
            position += Utf8.GetBytes(json, span[position..]);
        }

        return position;
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
