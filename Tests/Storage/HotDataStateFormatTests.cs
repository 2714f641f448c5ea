using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;

namespace OrleansHotData.Tests.Storage;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class HotDataStateFormatTests
{
    internal static readonly HotDataState Sample = new()
    {
        Json = """{"name":"Zoë","n":42}""",
        Version = 7,
        UpdatedAt = new DateTimeOffset(2026, 12, 1, 3, 4, 5, TimeSpan.Zero),
        ExpiresAt = new DateTimeOffset(2026, 12, 2, 3, 4, 5, TimeSpan.FromHours(2)),
        UpstreamVersion = 99,
        SourceOffsets = new Dictionary<string, long> { ["hotdata.events/3"] = 12345, ["other/0"] = 0 },
        LastSource = HotDataChangeSource.Kafka,
    };

    [Fact]
    public void A_state_reads_back_field_for_field()
    {
        var record = HotDataStateFormat.Decode(HotDataStateFormat.Encode(5, Sample));

        Assert.Equal(5UL, record.WriteCounter);
        StateAssert.Same(Sample, record.State);
    }

    [Fact]
    public void A_cleared_state_reads_back_as_no_state_with_its_counter()
    {
        var record = HotDataStateFormat.Decode(HotDataStateFormat.Encode(9, null));

        Assert.Equal(9UL, record.WriteCounter);
        Assert.Null(record.State);
    }

    [Fact]
    public void The_record_starts_with_the_header_the_write_script_compares()
    {
        Assert.Equal(HotDataStateFormat.Header(77), HotDataStateFormat.Encode(77, Sample)[..HotDataStateFormat.HeaderLength]);
    }

    [Fact]
    public void The_value_is_stored_as_its_utf8_bytes()
    {
        var bytes = HotDataStateFormat.Encode(1, Sample);

        Assert.EndsWith(Sample.Json!, System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_format_is_refused_naming_it()
    {
        var bytes = HotDataStateFormat.Encode(1, Sample);
        bytes[0] = 2;

        var error = Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes));
        Assert.Contains("format 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_bytes_are_refused()
    {
        Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode([]));
    }

    [Fact]
    public void Every_shortened_record_is_refused()
    {
        var bytes = HotDataStateFormat.Encode(1, Sample);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Bytes_after_the_last_field_are_refused()
    {
        byte[] bytes = [.. HotDataStateFormat.Encode(1, Sample), 0];

        var error = Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes));
        Assert.Contains("after its last field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_flags_are_refused()
    {
        var bytes = HotDataStateFormat.Encode(1, Sample);
        bytes[HotDataStateFormat.HeaderLength] |= 0x80;

        Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes));
    }

    [Fact]
    public void Invalid_utf8_in_the_value_is_refused()
    {
        var bytes = HotDataStateFormat.Encode(1, Sample with { Json = "\"ab\"" });
        bytes[^2] = 0xff;

        var error = Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes));
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_last_source_is_refused()
    {
        var state = Sample with { Json = null, SourceOffsets = null, ExpiresAt = null, UpstreamVersion = null };
        var bytes = HotDataStateFormat.Encode(1, state);
        // The last source is the byte before the (empty) count of source offsets.
        bytes[^2] = 200;

        var error = Assert.Throws<HotDataStateFormatException>(() => HotDataStateFormat.Decode(bytes));
        Assert.Contains("last source", error.Message, StringComparison.Ordinal);
    }
}
