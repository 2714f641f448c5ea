namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// An independent, sequential model of the wire contract for values that are flat objects of integer fields: what a
/// key's value and version must be after its records are applied one after another in partition order.
/// </summary>
public sealed class SequentialModel
{
    private readonly Dictionary<string, KeyModel> _keys = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, KeyModel> Keys => _keys;

    public void Set(string key, IReadOnlyDictionary<string, long> value, long? upstreamVersion) =>
        Apply(key, upstreamVersion, m => m.Value = new Dictionary<string, long>(value));

    /// <summary>A merge patch of top-level fields: a number sets the field, null removes it.</summary>
    public void Patch(string key, IReadOnlyDictionary<string, long?> patch, long? upstreamVersion) => Apply(key, upstreamVersion, m =>
    {
        m.Value ??= [];
        foreach (var (field, value) in patch)
        {
            if (value is { } v)
            {
                m.Value[field] = v;
            }
            else
            {
                m.Value.Remove(field);
            }
        }
    });

    public void Increment(string key, IReadOnlyDictionary<string, long> deltas, long? upstreamVersion) => Apply(key, upstreamVersion, m =>
    {
        m.Value ??= [];
        foreach (var (field, delta) in deltas)
        {
            m.Value[field] = m.Value.GetValueOrDefault(field) + delta;
        }
    });

    public void Delete(string key, long? upstreamVersion)
    {
        var model = Get(key);
        if (model.Value is not null && !IsStale(model, upstreamVersion))
        {
            Apply(key, upstreamVersion, m => m.Value = null);
        }
    }

    private KeyModel Get(string key)
    {
        if (!_keys.TryGetValue(key, out var model))
        {
            _keys[key] = model = new KeyModel();
        }

        return model;
    }

    private static bool IsStale(KeyModel model, long? upstreamVersion) =>
        upstreamVersion is { } v && model.UpstreamVersion is { } applied && v <= applied;

    private void Apply(string key, long? upstreamVersion, Action<KeyModel> change)
    {
        var model = Get(key);
        if (IsStale(model, upstreamVersion))
        {
            model.StaleSkipped++;
            return;
        }

        change(model);
        model.Version++;
        model.UpstreamVersion = upstreamVersion ?? model.UpstreamVersion;
    }

    public sealed class KeyModel
    {
        public Dictionary<string, long>? Value { get; set; }

        public long Version { get; set; }

        public long? UpstreamVersion { get; set; }

        public int StaleSkipped { get; set; }
    }
}
