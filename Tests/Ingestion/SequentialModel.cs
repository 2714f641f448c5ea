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

    /// <summary>
    /// Deletes the value. A delete of a key that has no value changes nothing but the newest upstream version seen, so
    /// a later record older than the delete is stale.
    /// </summary>
    public void Delete(string key, long? upstreamVersion)
    {
        var model = Get(key);
        if (model.Value is not null || IsStale(model, upstreamVersion))
        {
            Apply(key, upstreamVersion, m => m.Value = null);
        }
        else if (upstreamVersion is { } v)
        {
            model.UpstreamVersion = Math.Max(model.UpstreamVersion ?? v, v);
        }
    }

    /// <summary>
    /// A record that cannot be applied (dead-lettered): it changes nothing but the newest upstream version seen.
    /// </summary>
    public void DeadLettered(string key, long? upstreamVersion)
    {
        var model = Get(key);
        if (upstreamVersion is { } v)
        {
            model.UpstreamVersion = Math.Max(model.UpstreamVersion ?? v, v);
        }
    }

    /// <summary>
    /// Applies one change given as an operation and flat integer fields (a null field in a patch removes it), the way
    /// a record or an API write carries it.
    /// </summary>
    public void Apply(string key, ChangeOperation operation, IReadOnlyDictionary<string, long?>? fields, long? upstreamVersion = null)
    {
        switch (operation)
        {
            case ChangeOperation.Set:
                Set(key, Whole(fields), upstreamVersion);
                break;
            case ChangeOperation.Patch:
                Patch(key, fields ?? new Dictionary<string, long?>(), upstreamVersion);
                break;
            case ChangeOperation.Increment:
                Increment(key, Whole(fields), upstreamVersion);
                break;
            case ChangeOperation.Delete:
                Delete(key, upstreamVersion);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown operation.");
        }
    }

    /// <summary>A new model holding a copy of <paramref name="key"/>'s state only, to try a change on it.</summary>
    public SequentialModel Fork(string key)
    {
        var fork = new SequentialModel();
        if (_keys.TryGetValue(key, out var model))
        {
            fork._keys[key] = new KeyModel
            {
                Value = model.Value is null ? null : new Dictionary<string, long>(model.Value),
                Version = model.Version,
                UpstreamVersion = model.UpstreamVersion,
                StaleSkipped = model.StaleSkipped,
            };
        }

        return fork;
    }

    private static Dictionary<string, long> Whole(IReadOnlyDictionary<string, long?>? fields) =>
        (fields ?? new Dictionary<string, long?>()).ToDictionary(f => f.Key, f => f.Value ?? throw new ArgumentException($"Field {f.Key} has no value."));

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
