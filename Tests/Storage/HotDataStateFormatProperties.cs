using System.Text;
using FsCheck;
using FsCheck.Xunit;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;

namespace OrleansHotData.Tests.Storage;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class HotDataStateFormatProperties
{
    private static readonly long MinTicks = DateTimeOffset.MinValue.UtcTicks + TimeSpan.TicksPerDay;
    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay;

    [Property(MaxTest = 500)]
    public bool Any_state_reads_back_as_written(
        ulong writeCounter,
        bool hasJson,
        NonNull<string> json,
        long version,
        long updatedTicks,
        short updatedOffset,
        long? expiresTicks,
        long? upstream,
        byte source,
        bool hasOffsets,
        (NonNull<string> Source, long Offset)[] offsets)
    {
        var state = new HotDataState
        {
            Json = hasJson ? Valid(json.Get) : null,
            Version = version,
            UpdatedAt = Time(updatedTicks, updatedOffset),
            ExpiresAt = expiresTicks is { } t ? Time(t, (short)-updatedOffset) : null,
            UpstreamVersion = upstream,
            SourceOffsets = !hasOffsets ? null : offsets.GroupBy(o => Valid(o.Source.Get), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Offset, StringComparer.Ordinal),
            LastSource = (HotDataChangeSource)(source % 4),
        };

        var record = HotDataStateFormat.Decode(HotDataStateFormat.Encode(writeCounter, state));
        return record.WriteCounter == writeCounter && StateAssert.AreSame(state, record.State);
    }

    [Property(MaxTest = 2000)]
    public bool Damaged_bytes_are_read_or_refused_with_a_format_error(byte[] noise, int at, byte value)
    {
        // A valid record with one byte changed, or arbitrary bytes behind a valid format byte.
        var bytes = HotDataStateFormat.Encode(3, HotDataStateFormatTests.Sample);
        bytes[(int)((uint)at % bytes.Length)] = value;
        byte[] arbitrary = [HotDataStateFormat.CurrentFormat, .. noise];
        return ReadOrRefused(bytes) && ReadOrRefused(arbitrary);
    }

    private static bool ReadOrRefused(byte[] bytes)
    {
        try
        {
            HotDataStateFormat.Decode(bytes);
            return true;
        }
        catch (HotDataStateFormatException)
        {
            return true;
        }
    }

    private static DateTimeOffset Time(long ticks, short offsetMinutes)
    {
        var utc = MinTicks + (long)((ulong)ticks % (ulong)(MaxTicks - MinTicks));
        return new DateTimeOffset(utc, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes % 841));
    }

    // Values are text the JSON layer produced: valid UTF-16, which the strict encoder requires.
    private static string Valid(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(rune == Rune.ReplacementChar ? "?" : rune.ToString());
        }

        return builder.ToString();
    }
}
