using System.Text.Json;
using OrleansHotData.Tests.Ingestion;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// What the cluster's state must be after a <see cref="MixedWorkload"/>: the generators tell it every change they
/// send and how it ended, and it compares what the cluster holds with that (see <see cref="MixedWorkload"/> for the
/// three kinds of keys and what each allows). Thread-safe: the generators report from their own loops.
/// </summary>
public sealed class WorkloadOracle
{
    private readonly Lock _sync = new();
    private readonly IReadOnlyList<string> _kafkaKeys;
    private readonly IReadOnlyList<string> _sharedKeys;
    private readonly SequentialModel _kafkaModel = new();
    private readonly HashSet<string> _failedProduceKeys = new(StringComparer.Ordinal);
    // Every Kafka record's change, indexed by its sequence number, to replay what the broker actually holds.
    private readonly List<(string Key, ChangeOperation Operation, Dictionary<string, long?>? Fields)> _kafkaChanges = [];
    // Expectations replaced by a replay of the broker's log, for keys of which it stored a record more than once.
    private readonly Dictionary<string, SequentialModel.KeyModel?> _kafkaReplayed = new(StringComparer.Ordinal);
    // The sequence numbers of those keys' records as the broker stored them.
    private readonly Dictionary<string, List<long>> _kafkaReplayedLog = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedCount> _shared;
    private readonly SequentialModel _apiModel = new();
    private readonly Dictionary<string, (ChangeOperation Operation, Dictionary<string, long?> Fields)> _apiUnknownLast = new(StringComparer.Ordinal);
    private readonly List<string> _apiKeys = [];
    // Each API key's acknowledged versions and the value each produced, for the changelog's audit.
    private readonly Dictionary<string, Dictionary<long, string?>> _apiHistory = new(StringComparer.Ordinal);

    public WorkloadOracle(IReadOnlyList<string> kafkaKeys, IReadOnlyList<string> sharedKeys)
    {
        _kafkaKeys = kafkaKeys ?? throw new ArgumentNullException(nameof(kafkaKeys));
        _sharedKeys = sharedKeys ?? throw new ArgumentNullException(nameof(sharedKeys));
        _shared = sharedKeys.ToDictionary(k => k, _ => new SharedCount(), StringComparer.Ordinal);
    }

    /// <summary>Every key the workload has written or will compare.</summary>
    public IReadOnlyList<string> AllKeys
    {
        get
        {
            lock (_sync)
            {
                return [.. _kafkaKeys, .. _sharedKeys, .. _apiKeys];
            }
        }
    }

    /// <summary>
    /// A Kafka record about to be produced, numbered in production order from 0; its change is applied to the model.
    /// Returns whether it changes the key's state (a tombstone of an absent key does not).
    /// </summary>
    public bool KafkaRecord(long sequence, string key, ChangeOperation operation, Dictionary<string, long?>? fields)
    {
        lock (_sync)
        {
            if (sequence != _kafkaChanges.Count)
            {
                throw new InvalidOperationException($"Kafka record {sequence} reported out of order (expected {_kafkaChanges.Count}).");
            }

            _kafkaChanges.Add((key, operation, fields));
            if (_shared.TryGetValue(key, out var shared))
            {
                shared.Kafka++;
                return true;
            }

            var before = _kafkaModel.Keys.GetValueOrDefault(key)?.Version ?? 0;
            _kafkaModel.Apply(key, operation, fields);
            return _kafkaModel.Keys[key].Version != before;
        }
    }

    /// <summary>A record of <paramref name="key"/> whose produce failed: the key can no longer be predicted.</summary>
    public void KafkaRecordFailed(string key)
    {
        lock (_sync)
        {
            _failedProduceKeys.Add(key);
        }
    }

    /// <summary>A key an API writer starts writing.</summary>
    public void ApiKey(string key)
    {
        lock (_sync)
        {
            if (!_apiKeys.Contains(key))
            {
                _apiKeys.Add(key);
            }
        }
    }

    /// <summary>An API write of a writer's own key was acknowledged: it is in the model.</summary>
    public void ApiAcknowledged(string key, ChangeOperation operation, Dictionary<string, long?> fields)
    {
        lock (_sync)
        {
            var before = _apiModel.Keys.GetValueOrDefault(key)?.Version ?? 0;
            _apiModel.Apply(key, operation, fields);
            var after = _apiModel.Keys[key];
            if (after.Version != before)
            {
                (_apiHistory.TryGetValue(key, out var history) ? history : _apiHistory[key] = [])[after.Version] = Serialize(after.Value);
            }
        }
    }

    /// <summary>An API write of a writer's own key has an unknown outcome: the key may end with or without it (its writer leaves it).</summary>
    public void ApiUnknown(string key, ChangeOperation operation, Dictionary<string, long?> fields)
    {
        lock (_sync)
        {
            _apiUnknownLast[key] = (operation, fields);
        }
    }

    /// <summary>An API increment of a shared key ended acknowledged or unknown (a refused one is not reported: it counts nowhere).</summary>
    public void SharedApiIncrement(string key, bool acknowledged)
    {
        lock (_sync)
        {
            if (acknowledged)
            {
                _shared[key].ApiAcknowledged++;
            }
            else
            {
                _shared[key].ApiUnknown++;
            }
        }
    }

    /// <summary>One line per key whose observed value or version differs from what the workload allows; empty when all match.</summary>
    public IReadOnlyList<string> Compare(IReadOnlyDictionary<string, ObservedValue> observed, long kafkaRecordsFailed)
    {
        ArgumentNullException.ThrowIfNull(observed);
        var mismatches = new List<string>();
        lock (_sync)
        {
            if (kafkaRecordsFailed > 0)
            {
                mismatches.Add($"{kafkaRecordsFailed} Kafka records failed to produce (keys {string.Join(", ", _failedProduceKeys.Take(5))}...): their keys cannot be predicted");
            }

            foreach (var key in _kafkaKeys)
            {
                if (!_failedProduceKeys.Contains(key))
                {
                    var expected = _kafkaReplayed.TryGetValue(key, out var replayed) ? replayed : _kafkaModel.Keys.GetValueOrDefault(key);
                    CompareWithModel(key, expected, null, observed.GetValueOrDefault(key), mismatches);
                }
            }

            foreach (var key in _sharedKeys)
            {
                CompareShared(key, _shared[key], observed.GetValueOrDefault(key), mismatches);
            }

            foreach (var key in _apiKeys)
            {
                SequentialModel.KeyModel? alternative = null;
                if (_apiUnknownLast.TryGetValue(key, out var last))
                {
                    var fork = _apiModel.Fork(key);
                    fork.Apply(key, last.Operation, last.Fields);
                    alternative = fork.Keys[key];
                }

                CompareWithModel(key, _apiModel.Keys.GetValueOrDefault(key), alternative, observed.GetValueOrDefault(key), mismatches);
            }
        }

        return mismatches;
    }

    /// <summary>See <see cref="MixedWorkload.ExpectWhatTheBrokerStored"/>.</summary>
    public IReadOnlyList<string> ExpectWhatTheBrokerStored(IReadOnlyList<StoredRecord> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var lines = new List<string>();
        lock (_sync)
        {
            // Records of another workload on the same topic may carry the same numbers, never the same keys.
            var ours = log.Where(r => r.Sequence >= 0 && r.Sequence < _kafkaChanges.Count && _kafkaChanges[(int)r.Sequence].Key == r.Key).ToList();
            var storedTwice = ours.GroupBy(r => r.Sequence).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            foreach (var key in storedTwice.Select(s => _kafkaChanges[(int)s].Key).Distinct(StringComparer.Ordinal))
            {
                var produced = Enumerable.Range(0, _kafkaChanges.Count).Where(s => _kafkaChanges[s].Key == key).Select(s => (long)s).ToHashSet();
                var stored = ours.Where(r => r.Key == key).ToList();
                if (!produced.SetEquals(stored.Select(r => r.Sequence)))
                {
                    lines.Add($"{key}: the broker log does not hold exactly its {produced.Count} records ({stored.Count} copies found): expectation kept");
                    continue;
                }

                var twice = string.Join(", ", stored.Select(r => r.Sequence).Where(storedTwice.Contains).Distinct());
                if (_shared.TryGetValue(key, out var shared))
                {
                    lines.Add($"{key}: the broker stored records {twice} twice: expecting {stored.Count} Kafka increments, not {shared.Kafka}");
                    shared.KafkaStored = stored.Count;
                    continue;
                }

                var replay = new SequentialModel();
                foreach (var record in stored)
                {
                    var change = _kafkaChanges[(int)record.Sequence];
                    replay.Apply(key, change.Operation, change.Fields);
                }

                var before = _kafkaModel.Keys.GetValueOrDefault(key);
                _kafkaReplayed[key] = replay.Keys.GetValueOrDefault(key);
                _kafkaReplayedLog[key] = [.. stored.Select(r => r.Sequence)];
                lines.Add($"{key}: the broker stored records {twice} twice: expecting {Describe(_kafkaReplayed[key])} (its log replayed), not {Describe(before)}");
            }
        }

        return lines;
    }

    /// <summary>
    /// The lowest version each key's changelog must reach by itself, without any read of the key: the version of its
    /// last acknowledged change (Kafka records produced, API writes acknowledged). Keys the workload cannot predict
    /// are left out.
    /// </summary>
    public IReadOnlyDictionary<string, long> ChangelogFloor()
    {
        lock (_sync)
        {
            var floor = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var key in _kafkaKeys.Where(k => !_failedProduceKeys.Contains(k)))
            {
                floor[key] = (_kafkaReplayed.TryGetValue(key, out var replayed) ? replayed : _kafkaModel.Keys.GetValueOrDefault(key))?.Version ?? 0;
            }

            foreach (var (key, count) in _shared)
            {
                floor[key] = (count.KafkaStored ?? count.Kafka) + count.ApiAcknowledged;
            }

            foreach (var key in _apiKeys)
            {
                floor[key] = _apiModel.Keys.GetValueOrDefault(key)?.Version ?? 0;
            }

            return floor.Where(p => p.Value > 0).ToDictionary(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Per key, the value each of its versions must carry in the changelog (<see langword="null"/> for a delete), from
    /// its first to the version the cluster holds (<paramref name="observed"/>, keys without a value left out):
    /// Kafka keys replayed record by record, shared keys counting up (every increment adds one), API keys as their
    /// acknowledged writes made them, with the unknown last write where the cluster holds it.
    /// </summary>
    public IReadOnlyDictionary<string, Dictionary<long, string?>> ChangelogHistories(IReadOnlyDictionary<string, ObservedValue> observed)
    {
        ArgumentNullException.ThrowIfNull(observed);
        lock (_sync)
        {
            var histories = new Dictionary<string, Dictionary<long, string?>>(StringComparer.Ordinal);
            var changesByKey = _kafkaChanges.Select((c, i) => (c.Key, Sequence: (long)i)).ToLookup(c => c.Key, c => c.Sequence, StringComparer.Ordinal);
            foreach (var key in _kafkaKeys.Where(k => !_failedProduceKeys.Contains(k)))
            {
                var replay = new SequentialModel();
                var history = new Dictionary<long, string?>();
                foreach (var sequence in _kafkaReplayedLog.TryGetValue(key, out var stored) ? stored : changesByKey[key])
                {
                    var change = _kafkaChanges[(int)sequence];
                    var before = replay.Keys.GetValueOrDefault(key)?.Version ?? 0;
                    replay.Apply(key, change.Operation, change.Fields);
                    if (replay.Keys[key].Version != before)
                    {
                        history[replay.Keys[key].Version] = Serialize(replay.Keys[key].Value);
                    }
                }

                histories[key] = history;
            }

            foreach (var key in _sharedKeys.Where(observed.ContainsKey))
            {
                histories[key] = Enumerable.Range(1, (int)observed[key].Version).ToDictionary(v => (long)v, v => (string?)$$"""{"{{WorkloadChanges.SharedField}}":{{v}}}""");
            }

            foreach (var key in _apiKeys)
            {
                var history = new Dictionary<long, string?>(_apiHistory.GetValueOrDefault(key) ?? []);
                if (_apiUnknownLast.TryGetValue(key, out var last))
                {
                    var fork = _apiModel.Fork(key);
                    var before = fork.Keys.GetValueOrDefault(key)?.Version ?? 0;
                    fork.Apply(key, last.Operation, last.Fields);
                    var alternative = fork.Keys[key];
                    var applied = alternative.Version != before && (observed.TryGetValue(key, out var seen) ? seen.Version == alternative.Version : alternative.Value is null);
                    if (applied)
                    {
                        history[alternative.Version] = Serialize(alternative.Value);
                    }
                }

                histories[key] = history;
            }

            return histories;
        }
    }

    private static string? Serialize(Dictionary<string, long>? value) => value is null ? null : JsonSerializer.Serialize(value);

    private static void CompareShared(string key, SharedCount count, ObservedValue? observed, List<string> mismatches)
    {
        var kafka = count.KafkaStored ?? count.Kafka;
        var acknowledged = count.ApiAcknowledged;
        var unknown = count.ApiUnknown;
        var expectation = $"Kafka {kafka} + API {acknowledged}{(unknown > 0 ? $"..{acknowledged + unknown}" : "")}";
        if (kafka + acknowledged == 0 && observed is null)
        {
            // Never acknowledged anything; the key may be absent or hold unknown writes only.
            return;
        }

        if (observed is null)
        {
            mismatches.Add($"{key}: expected n = {expectation}, got absent");
            return;
        }

        if (!TryParse(observed.Json, out var fields) || fields.Count != 1 || !fields.TryGetValue(WorkloadChanges.SharedField, out var n))
        {
            mismatches.Add($"{key}: expected {{\"n\": {expectation}}}, got v{observed.Version} {observed.Json}");
            return;
        }

        if (n < kafka + acknowledged || n > kafka + acknowledged + unknown)
        {
            mismatches.Add($"{key}: n = {n}, expected {expectation}: {(n < kafka + acknowledged ? "increments lost" : "increments counted twice")}");
        }

        if (observed.Version != n)
        {
            mismatches.Add($"{key}: version {observed.Version} but n = {n}: every increment must bump the version once");
        }
    }

    private static void CompareWithModel(string key, SequentialModel.KeyModel? expected, SequentialModel.KeyModel? alternative, ObservedValue? observed, List<string> mismatches)
    {
        if (Matches(expected, observed) || (alternative is not null && Matches(alternative, observed)))
        {
            return;
        }

        var want = Describe(expected) + (alternative is null ? "" : $" or {Describe(alternative)}");
        mismatches.Add($"{key}: expected {want}, got {(observed is null ? "absent" : $"v{observed.Version} {observed.Json}")}");
    }

    private static bool Matches(SequentialModel.KeyModel? expected, ObservedValue? observed)
    {
        if (expected?.Value is null)
        {
            return observed is null;
        }

        return observed is not null
            && observed.Version == expected.Version
            && TryParse(observed.Json, out var actual)
            && actual.Count == expected.Value.Count
            && expected.Value.All(kv => actual.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    private static string Describe(SequentialModel.KeyModel? model) =>
        model?.Value is null ? "absent" : $"v{model.Version} {JsonSerializer.Serialize(model.Value)}";

    private static bool TryParse(string json, out Dictionary<string, long> fields)
    {
        fields = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!property.Value.TryGetInt64(out var value))
                {
                    return false;
                }

                fields[property.Name] = value;
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // What a shared key's field n must be: Kafka increments (those the broker stored, once its log was read) plus the
    // acknowledged API increments, plus at most the unknown ones.
    private sealed class SharedCount
    {
        public long Kafka { get; set; }

        public long? KafkaStored { get; set; }

        public long ApiAcknowledged { get; set; }

        public long ApiUnknown { get; set; }
    }
}
