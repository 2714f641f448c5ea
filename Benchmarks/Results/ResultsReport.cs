using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansHotData.Benchmarks.Results;

/// <summary>The results of one run: the table for the terminal, and the same as Markdown and JSON.</summary>
public sealed class ResultsReport(MachineInfo machine, string command, DateTimeOffset startedAt, IReadOnlyList<ResultRow> rows, IReadOnlyList<string> notes)
{
    private static readonly string[] Headers = ["Scenario", "Metric", "OrleansHotData", "Baseline", "Ratio", "Target", "Met"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public IReadOnlyList<ResultRow> Rows => rows;

    /// <summary>The table as aligned plain text.</summary>
    public string ToText()
    {
        var cells = rows.Select(Cells).ToList();
        var widths = Headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                var numeric = i is 2 or 3 or 4;
                text.Append(numeric ? values[i].PadLeft(widths[i]) : values[i].PadRight(widths[i]));
                text.Append(i < values.Count - 1 ? "  " : "\n");
            }
        }

        Line(Headers);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var row in cells)
        {
            Line(row);
        }

        text.Append("Ratio = OrleansHotData ÷ baseline (for latencies and memory, lower is better).\n");
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("# Benchmark results\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- Run: {startedAt:yyyy-MM-dd HH:mm} UTC, `{command}`\n");
        md.Append(CultureInfo.InvariantCulture, $"- Machine: {machine}\n\n");
        md.Append("| ").AppendJoin(" | ", Headers).Append(" |\n");
        md.Append("| --- | --- | ---: | ---: | ---: | --- | --- |\n");
        foreach (var row in rows)
        {
            md.Append("| ").AppendJoin(" | ", Cells(row).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }

        md.Append("\nRatio = OrleansHotData ÷ baseline (for latencies and memory, lower is better).\n");
        var withNotes = rows.Where(r => r.Note is not null).ToList();
        if (withNotes.Count > 0 || notes.Count > 0)
        {
            md.Append("\nNotes:\n\n");
            foreach (var row in withNotes)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {row.Scenario}, {row.Metric}: {row.Note}\n");
            }

            foreach (var note in notes)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {note}\n");
            }
        }

        return md.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            startedAt,
            command,
            machine,
            rows = rows.Select(r => new { r.Scenario, r.Metric, r.Ours, r.Baseline, r.Ratio, r.Target, r.TargetMet, r.Note }),
            notes,
        },
        Json);

    private static string[] Cells(ResultRow row) =>
    [
        row.Scenario,
        row.Metric,
        Format(row.Ours),
        Format(row.Baseline),
        row.Ratio is { } ratio ? ratio.ToString(ratio < 0.1 ? "0.000" : "0.00", CultureInfo.InvariantCulture) + "×" : "—",
        row.Target ?? "",
        row.TargetMet switch { true => "met", false => "NOT met", null => "" },
    ];

    private static string Format(double? value) => value switch
    {
        null => "—",
        double.NaN => "n/a",
        var whole when whole == Math.Round(whole.Value) => whole.Value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 1000 => value.Value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        // Latencies of reads from memory are microseconds: "0.00 ms" would hide them.
        > -0.1 and < 0.1 => value.Value.ToString("0.0###", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
