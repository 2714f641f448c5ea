using System.Globalization;

namespace OrleansHotData.Tests.Observability;

/// <summary>Reads samples out of a Prometheus text exposition.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    public static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The samples of <paramref name="metric"/> whose labels include every one of <paramref name="labels"/> (as <c>name="value"</c>).</summary>
    public IEnumerable<(string Labels, double Value)> Samples(string metric, params string[] labels)
    {
        foreach (var line in Text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[metric.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
            {
                continue;
            }

            // Label values may hold braces (route templates): the label set ends at the last one.
            var labelEnd = rest.StartsWith('{') ? rest.LastIndexOf('}') + 1 : 0;
            var labelText = rest[..labelEnd];
            if (!labels.All(l => labelText.Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }

            var valueText = rest[labelEnd..].Trim().Split(' ')[0];
            yield return (labelText, double.Parse(valueText, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The sum of the matching samples (0 when there are none).</summary>
    public double Sum(string metric, params string[] labels) => Samples(metric, labels).Sum(s => s.Value);
}
