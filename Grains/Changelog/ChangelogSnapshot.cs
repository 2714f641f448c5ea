namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// The newest change of every key in a changelog, whatever order the records came in and however many duplicates
/// there were: what a compacted topic keeps, computed here so that a rebuild is right on a topic not compacted (yet).
/// Pure: no I/O.
/// </summary>
public sealed class ChangelogSnapshot
{
    private readonly Dictionary<string, ChangelogEntry> _latest = new(StringComparer.Ordinal);

    /// <summary>The keys seen.</summary>
    public int Count => _latest.Count;

    /// <summary>Records read, duplicates and older versions included.</summary>
    public long Records { get; private set; }

    /// <summary>The newest change of each key.</summary>
    public IReadOnlyDictionary<string, ChangelogEntry> Latest => _latest;

    /// <summary>Takes one record into account: it replaces the key's newest change if its version is higher.</summary>
    public void Add(string key, ChangelogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(entry);
        Records++;
        if (!_latest.TryGetValue(key, out var known) || entry.Version > known.Version)
        {
            _latest[key] = entry;
        }
    }

    /// <summary>
    /// The state a key's grain resumes from after a rebuild: its value, version, time to live and upstream version.
    /// A deleted or expired key keeps its version, so later writes continue after it. Positions in source topics are
    /// not in the changelog (see the README on what a rebuild restores).
    /// </summary>
    public static HotDataState ToState(ChangelogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new HotDataState
        {
            Json = entry.Json,
            Version = entry.Version,
            UpdatedAt = entry.UpdatedAt,
            ExpiresAt = entry.Json is null ? null : entry.ExpiresAt,
            UpstreamVersion = entry.UpstreamVersion,
            LastSource = entry.Source,
        };
    }
}
