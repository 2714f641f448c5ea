using Confluent.Kafka;
using OrleansHotData.Grains.Changelog;

namespace OrleansHotData.Tests.Changelog;

/// <summary>
/// A changelog topic read back whole with a real Confluent consumer, and the checks every changelog must pass: per
/// key, the versions from the first to the last with none missing, a record older than the newest seen only ever a
/// duplicate of a version already seen, and every version's value the one the model applied.
/// </summary>
internal sealed class ChangelogAudit
{
    private ChangelogAudit(Dictionary<string, List<ChangelogEntry>> records, long total)
    {
        Records = records;
        Total = total;
    }

    /// <summary>Each key's records in the order its partition holds them.</summary>
    public IReadOnlyDictionary<string, List<ChangelogEntry>> Records { get; }

    /// <summary>Every record read.</summary>
    public long Total { get; }

    public static ChangelogAudit Read(ConsumerConfig config, string topic)
    {
        var records = new Dictionary<string, List<ChangelogEntry>>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var total = ChangelogTopicReader.Read(config, topic, (_, message) =>
        {
            var (key, entry) = ChangelogRecord.Parse(message);
            if (!records.TryGetValue(key, out var list))
            {
                records[key] = list = [];
            }

            list.Add(entry);
        }, timeout.Token);
        return new ChangelogAudit(records, total);
    }

    /// <summary>The newest version of <paramref name="key"/> in the changelog; 0 when it has no record.</summary>
    public long LastVersion(string key) => Records.TryGetValue(key, out var list) ? list.Max(e => e.Version) : 0;

    /// <summary>
    /// Checks <paramref name="key"/>'s records against <paramref name="applied"/>, the model's value of each version it
    /// applied (a <see langword="null"/> value for a delete or expiry); returns the problems found, none when right.
    /// </summary>
    public IEnumerable<string> Problems(string key, IReadOnlyDictionary<long, string?> applied)
    {
        var list = Records.TryGetValue(key, out var found) ? found : [];
        var seen = new HashSet<long>();
        var newest = 0L;
        foreach (var entry in list)
        {
            if (entry.Version < newest && !seen.Contains(entry.Version))
            {
                yield return $"{key}: version {entry.Version} first appears after version {newest}";
            }

            if (applied.TryGetValue(entry.Version, out var json) && !JsonEquals(json, entry.Json))
            {
                yield return $"{key}: version {entry.Version} carries {entry.Json ?? "no value"}, the model applied {json ?? "no value"}";
            }

            seen.Add(entry.Version);
            newest = Math.Max(newest, entry.Version);
        }

        var last = applied.Count == 0 ? 0 : applied.Keys.Max();
        var first = list.Count == 0 ? 1 : Math.Min(list.Min(e => e.Version), applied.Count == 0 ? long.MaxValue : applied.Keys.Min());
        for (var version = Math.Min(first, 1); version <= last; version++)
        {
            if (!seen.Contains(version))
            {
                yield return $"{key}: version {version} is missing (the model applied up to {last})";
            }
        }

        if (newest > last)
        {
            yield return $"{key}: the changelog holds version {newest}, beyond the model's last {last}";
        }
    }

    private static bool JsonEquals(string? expected, string? actual) =>
        expected is null || actual is null
            ? expected == actual
            : System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(expected), System.Text.Json.Nodes.JsonNode.Parse(actual));
}
