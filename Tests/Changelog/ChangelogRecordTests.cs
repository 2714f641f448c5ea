using System.Text;
using Confluent.Kafka;
using OrleansHotData.Grains.Changelog;

namespace OrleansHotData.Tests.Changelog;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChangelogRecordTests
{
    private static readonly DateTimeOffset Then = new(2026, 12, 1, 3, 4, 5, 678, TimeSpan.FromHours(2));

    [Fact]
    public void A_change_reads_back_from_its_record()
    {
        var entry = new ChangelogEntry(42, """{"n":"Zoë"}""", HotDataChangeSource.Kafka, Then, Then.AddDays(1), 7);

        var (key, read) = ChangelogRecord.Parse(ChangelogRecord.ToMessage("user:1", entry));

        Assert.Equal("user:1", key);
        Assert.Equal(entry, read);
    }

    [Fact]
    public void The_record_carries_the_key_the_value_and_readable_headers()
    {
        var entry = new ChangelogEntry(42, """{"n":1}""", HotDataChangeSource.Api, Then, Then.AddDays(1), null);

        var message = ChangelogRecord.ToMessage("user:1", entry);

        Assert.Equal("user:1", Encoding.UTF8.GetString(message.Key!));
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(message.Value!));
        Assert.Equal("42", Header(message, ChangelogRecord.VersionHeader));
        Assert.Equal("api", Header(message, ChangelogRecord.SourceHeader));
        Assert.Equal("2026-12-01T01:04:05.6780000Z", Header(message, ChangelogRecord.UpdatedAtHeader));
        Assert.Equal("2026-12-02T01:04:05.6780000Z", Header(message, ChangelogRecord.ExpiresAtHeader));
        Assert.False(message.Headers.TryGetLastBytes(ChangelogRecord.UpstreamVersionHeader, out _));
    }

    [Fact]
    public void A_delete_or_expiry_is_a_tombstone_without_an_expiry_header()
    {
        var entry = new ChangelogEntry(43, null, HotDataChangeSource.Expiry, Then, null, null);

        var message = ChangelogRecord.ToMessage("user:1", entry);

        Assert.Null(message.Value);
        Assert.Equal("expiry", Header(message, ChangelogRecord.SourceHeader));
        Assert.False(message.Headers.TryGetLastBytes(ChangelogRecord.ExpiresAtHeader, out _));
        Assert.Equal(entry with { UpdatedAt = Then.ToUniversalTime() }, ChangelogRecord.Parse(message).Entry);
    }

    [Theory]
    [InlineData(ChangelogRecord.VersionHeader, "abc", "whole number")]
    [InlineData(ChangelogRecord.VersionHeader, "0", "at least 1")]
    [InlineData(ChangelogRecord.SourceHeader, "ftp", "expected api")]
    [InlineData(ChangelogRecord.UpdatedAtHeader, "yesterday", "ISO 8601")]
    public void A_record_with_a_bad_header_is_refused_naming_it(string header, string value, string expected)
    {
        var message = ChangelogRecord.ToMessage("k", new ChangelogEntry(1, "1", HotDataChangeSource.Api, Then, null, null));
        message.Headers.Remove(header);
        message.Headers.Add(header, Encoding.UTF8.GetBytes(value));

        var error = Assert.Throws<FormatException>(() => ChangelogRecord.Parse(message));
        Assert.Contains(header, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_without_a_version_is_refused()
    {
        var message = ChangelogRecord.ToMessage("k", new ChangelogEntry(1, "1", HotDataChangeSource.Api, Then, null, null));
        message.Headers.Remove(ChangelogRecord.VersionHeader);

        var error = Assert.Throws<FormatException>(() => ChangelogRecord.Parse(message));
        Assert.Contains("no hotdata-version header", error.Message, StringComparison.Ordinal);
    }

    private static string Header(Message<byte[]?, byte[]?> message, string name) =>
        Assert.IsType<string>(message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null);
}
