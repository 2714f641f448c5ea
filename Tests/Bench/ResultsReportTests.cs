using System.Text.Json;
using OrleansHotData.Benchmarks.Results;

namespace OrleansHotData.Tests.Bench;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ResultsReportTests
{
    private static readonly ResultRow[] Rows =
    [
        new("Ingest (uniform)", "records/s vs classic consumer", 7355.02, 5108.9, "≥ 1.0× classic consumer", true, "0 lost"),
        new("Ingest (uniform)", "records/s vs tuned consumer loop", 7355.02, 170_000, "≥ 0.5× tuned loop", false, "2 consumers"),
        new("Consistency", "lost updates", 0, 66, "0 lost", true, ShowRatio: false),
        new("Read, SDK", "p99 latency, ms", 5.889, 2.391, "p99 < 2 ms", false),
        new("Write", "ops/s", 5661, null),
    ];

    private static ResultsReport Report() =>
        new(new MachineInfo(2, 24L << 30, "Linux", ".NET 10.0.12", "test CPU"), "./hotdata bench", DateTimeOffset.UnixEpoch, Rows, ["a note"]);

    [Fact]
    public void The_table_shows_each_figure_beside_its_baseline_with_ratio_and_verdict()
    {
        var lines = Report().ToText().Split('\n');

        var ingest = Assert.Single(lines, l => l.StartsWith("Ingest (uniform)  records/s vs classic", StringComparison.Ordinal));
        Assert.Contains("7,355", ingest, StringComparison.Ordinal);
        Assert.Contains("5,109", ingest, StringComparison.Ordinal);
        Assert.Contains("1.44×", ingest, StringComparison.Ordinal);
        Assert.EndsWith(" met", ingest.TrimEnd(), StringComparison.Ordinal);

        // The same figure of ours against the tuned loop, on a line of its own with its own ratio and verdict.
        var tuned = Assert.Single(lines, l => l.StartsWith("Ingest (uniform)  records/s vs tuned", StringComparison.Ordinal));
        Assert.Contains("7,355", tuned, StringComparison.Ordinal);
        Assert.Contains("170,000", tuned, StringComparison.Ordinal);
        Assert.Contains("0.043×", tuned, StringComparison.Ordinal);
        Assert.EndsWith("NOT met", tuned.TrimEnd(), StringComparison.Ordinal);

        var consistency = Assert.Single(lines, l => l.StartsWith("Consistency", StringComparison.Ordinal));
        Assert.Contains("—", consistency, StringComparison.Ordinal);
        Assert.Contains(" 66 ", consistency, StringComparison.Ordinal);

        var read = Assert.Single(lines, l => l.StartsWith("Read, SDK", StringComparison.Ordinal));
        Assert.Contains("5.89", read, StringComparison.Ordinal);
        Assert.Contains("NOT met", read, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_has_a_row_per_figure_and_the_notes()
    {
        var markdown = Report().ToMarkdown();

        Assert.Equal(Rows.Length + 2, markdown.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal)));
        Assert.Contains("- Ingest (uniform), records/s vs classic consumer: 0 lost", markdown, StringComparison.Ordinal);
        Assert.Contains("- Ingest (uniform), records/s vs tuned consumer loop: 2 consumers", markdown, StringComparison.Ordinal);
        Assert.Contains("| 7,355 | 170,000 | 0.043× | ≥ 0.5× tuned loop | NOT met |", markdown, StringComparison.Ordinal);
        Assert.Contains("- a note", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_carries_every_row_with_its_ratio()
    {
        using var json = JsonDocument.Parse(Report().ToJson());

        var rows = json.RootElement.GetProperty("rows");
        Assert.Equal(Rows.Length, rows.GetArrayLength());
        Assert.Equal(7355.02 / 5108.9, rows[0].GetProperty("ratio").GetDouble(), 6);
        Assert.Equal(7355.02 / 170_000, rows[1].GetProperty("ratio").GetDouble(), 6);
        Assert.Equal("records/s vs tuned consumer loop", rows[1].GetProperty("metric").GetString());
        Assert.False(rows[1].GetProperty("targetMet").GetBoolean());
        Assert.False(rows[2].TryGetProperty("ratio", out _));
        Assert.Equal(2, json.RootElement.GetProperty("machine").GetProperty("cores").GetInt32());
    }

    [Fact]
    public void Figures_below_a_tenth_keep_their_first_significant_digits()
    {
        var report = new ResultsReport(
            new MachineInfo(2, 24L << 30, "Linux", ".NET 10.0.12", "test CPU"),
            "./hotdata bench",
            DateTimeOffset.UnixEpoch,
            [new("Read, SDK GetAsync near-cache hit", "p99 latency, ms", 0.00123, 1.9, "p99 < 1 ms", true)],
            []);

        var line = Assert.Single(report.ToText().Split('\n'), l => l.StartsWith("Read, SDK GetAsync near-cache hit", StringComparison.Ordinal));
        Assert.Contains(" 0.0012 ", line, StringComparison.Ordinal);
        Assert.Contains(" 1.90 ", line, StringComparison.Ordinal);
    }
}
