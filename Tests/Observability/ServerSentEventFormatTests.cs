using System.Text;
using System.Text.Json.Nodes;
using OrleansHotData.Silo.Api;

namespace OrleansHotData.Tests.Observability;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ServerSentEventFormatTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // Splits one formatted event into its fields the way the SSE specification does: a line break (CR, LF or CRLF)
    // ends a field, and data fields are joined with LF.
    private static (string? Id, string? Event, string Data) Parse(ReadOnlyMemory<byte> formatted)
    {
        var text = Encoding.UTF8.GetString(formatted.Span);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        string? id = null, type = null;
        var data = new List<string>();
        foreach (var line in text[..^2].Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', '\r'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, $"every line of the event is a field: '{line}'");
            var value = line[(colon + 1)..].TrimStart(' ');
            switch (line[..colon])
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Add(value); break;
                default: Assert.Fail($"unexpected field '{line}'"); break;
            }
        }

        return (id, type, string.Join('\n', data));
    }

    [Theory]
    [InlineData("{\n  \"a\": 1,\n  \"b\": [\n    2,\n    3\n  ]\n}")]
    [InlineData("{\r\n\t\"a\": \"x\\ny\",\r\n\t\"b\": null\r\n}")]
    [InlineData("[\r1,\r2]")]
    public void A_pretty_printed_value_is_one_event_whose_data_is_the_same_json(string json)
    {
        var formatted = WatchEndpoint.Format(new HotDataNotification("k", 4, json, HotDataChangeSource.Api, At, null));

        var (id, type, data) = Parse(formatted);

        Assert.Equal("4", id);
        Assert.Equal("change", type);
        var body = JsonNode.Parse(data)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), body["value"]), data);
    }

    [Fact]
    public void An_expiry_is_an_expire_event_without_a_value()
    {
        var formatted = WatchEndpoint.Format(new HotDataNotification("k", 6, null, HotDataChangeSource.Expiry, At, null));

        var (id, type, data) = Parse(formatted);

        Assert.Equal("6", id);
        Assert.Equal("expire", type);
        var body = JsonNode.Parse(data)!;
        Assert.True(body["deleted"]!.GetValue<bool>());
        Assert.Equal("expiry", body["source"]!.GetValue<string>());
        Assert.Null(body["value"]);
    }
}
