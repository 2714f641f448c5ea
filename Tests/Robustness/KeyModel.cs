namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// The oracle's state of one key: its value, its version (every applied change bumps it by one, deletes included, so
/// versions never repeat), and the newest upstream version of any record the key handled.
/// </summary>
public sealed class KeyModel(string key)
{
    public string Key { get; } = key;

    public ModelJson? Value { get; set; }

    public long Version { get; set; }

    /// <summary>False after an unexpected answer left the key absent: a 404 carries no version.</summary>
    public bool VersionKnown { get; set; } = true;

    public long? UpstreamVersion { get; set; }

    /// <summary>Set once an input got an answer the rules do not allow: the key's state is unknown from then on.</summary>
    public bool Diverged { get; set; }

    /// <summary>The inputs sent to the key, for the report of a failure.</summary>
    public List<string> History { get; } = [];

    public void Apply(ModelJson? value)
    {
        Value = value;
        Version++;
    }

    /// <summary>The last few inputs, newest last.</summary>
    public string RecentHistory(int count = 6) => string.Join("\n      ", History.TakeLast(count));
}
