using System.Buffers.Binary;
using System.Text;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Grains.Storage;
using OrleansHotData.Tests.Storage;

namespace OrleansHotData.Tests.Changelog;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChangelogStateFormatTests
{
    private static readonly DateTimeOffset Then = new(2026, 12, 1, 3, 4, 5, TimeSpan.Zero);

    private static HotDataState WithOutbox()
    {
        var state = HotDataStateFormatTests.Sample;
        return state with
        {
            Outbox =
            [
                new ChangelogEntry(5, """{"old":true}""", HotDataChangeSource.Api, Then.AddSeconds(-2), null, null),
                new ChangelogEntry(6, null, HotDataChangeSource.Expiry, Then.AddSeconds(-1), null, 98),
                ChangelogEntry.Of(state),
            ],
        };
    }

    [Fact]
    public void A_state_with_an_outbox_reads_back_entry_for_entry()
    {
        var state = WithOutbox();

        var record = HotDataStateFormat.Decode(HotDataStateFormat.Encode(3, state));

        StateAssert.Same(state, record.State);
        Assert.Equal(state.Outbox, record.State!.Outbox);
    }

    [Fact]
    public void The_newest_entry_does_not_store_the_value_a_second_time()
    {
        var state = WithOutbox();
        var withoutOutbox = HotDataStateFormat.Encode(1, state with { Outbox = null });

        var bytes = HotDataStateFormat.Encode(1, state);

        var valueBytes = Encoding.UTF8.GetByteCount(state.Json!);
        Assert.True(bytes.Length - withoutOutbox.Length < valueBytes + 80, $"The outbox took {bytes.Length - withoutOutbox.Length} bytes; the value alone is {valueBytes}.");
        var read = HotDataStateFormat.Decode(bytes).State!;
        Assert.Same(read.Json, read.Outbox![2].Json);
    }

    [Fact]
    public void A_state_without_an_outbox_is_written_as_before_the_changelog()
    {
        var state = HotDataStateFormatTests.Sample;

        Assert.Equal(OldFormat(4, state), HotDataStateFormat.Encode(4, state with { Outbox = [] }));
    }

    [Fact]
    public void A_record_written_before_the_changelog_reads_with_no_outbox()
    {
        var state = HotDataStateFormatTests.Sample;

        var record = HotDataStateFormat.Decode(OldFormat(4, state));

        Assert.Equal(4UL, record.WriteCounter);
        StateAssert.Same(state, record.State);
        Assert.Null(record.State!.Outbox);
    }

    [Fact]
    public void Every_shortened_record_with_an_outbox_is_refused()
    {
        var bytes = HotDataStateFormat.Encode(1, WithOutbox());
        for (var length = bytes.Length - 60; length < bytes.Length; length++)
        {
            Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void An_entry_that_claims_the_value_of_a_state_without_one_is_refused()
    {
        var state = WithOutbox() with { Json = null, ExpiresAt = null };
        var bytes = HotDataStateFormat.Encode(1, state with { Outbox = [new ChangelogEntry(9, null, HotDataChangeSource.Api, Then, null, null)] });
        // The last entry ends with its flags, source and updated-at (1 + 1 + 10 bytes).
        bytes[^(1 + 1 + 10)] = 3;

        var error = Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes));
        Assert.Contains("impossible flags", error.Message, StringComparison.Ordinal);
    }

    // Format 1 as written before the changelog, laid out field by field from its documentation.
    private static byte[] OldFormat(ulong counter, HotDataState state)
    {
        var bytes = new List<byte> { 1 };
        bytes.AddRange(BitConverter.GetBytes(counter));
        bytes.Add((byte)(1 | (state.Json is null ? 0 : 2) | (state.ExpiresAt is null ? 0 : 4) | (state.UpstreamVersion is null ? 0 : 8)));
        bytes.AddRange(Int64(state.Version));
        Timestamp(state.UpdatedAt);
        if (state.ExpiresAt is { } expiresAt)
        {
            Timestamp(expiresAt);
        }

        if (state.UpstreamVersion is { } upstream)
        {
            bytes.AddRange(Int64(upstream));
        }

        bytes.Add((byte)state.LastSource);
        bytes.Add((byte)(state.SourceOffsets?.Count ?? 0));
        foreach (var (source, offset) in state.SourceOffsets ?? new Dictionary<string, long>())
        {
            bytes.Add((byte)Encoding.UTF8.GetByteCount(source));
            bytes.AddRange(Encoding.UTF8.GetBytes(source));
            bytes.AddRange(Int64(offset));
        }

        if (state.Json is { } json)
        {
            bytes.Add((byte)Encoding.UTF8.GetByteCount(json));
            bytes.AddRange(Encoding.UTF8.GetBytes(json));
        }

        return [.. bytes];

        void Timestamp(DateTimeOffset time)
        {
            bytes.AddRange(Int64(time.UtcTicks));
            var offset = new byte[2];
            BinaryPrimitives.WriteInt16LittleEndian(offset, (short)time.TotalOffsetMinutes);
            bytes.AddRange(offset);
        }

        static byte[] Int64(long value)
        {
            var buffer = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
            return buffer;
        }
    }
}
