using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansHotData.Tests.Ingestion;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A seeded mixed workload whose final state is predictable although Kafka and API writers run at the same time,
/// and a comparison of the cluster's state with it. Values are flat JSON objects of integer fields.
/// <list type="bullet">
/// <item><b>Kafka keys</b> (<c>{prefix}-k{i}</c>): sets, merge patches, increments and tombstones from Kafka only,
/// Zipf-skewed; the expected value and version come from a <see cref="SequentialModel"/> of the records in the order
/// they were produced.</item>
/// <item><b>Shared keys</b> (<c>{prefix}-h{i}</c>): field <c>n</c> gets <c>+1</c> from Kafka <c>incr</c> records and
/// from API increments at once. Increments commute, so <c>n</c> = Kafka records + API increments applied, and
/// the version equals <c>n</c>. An API increment with an unknown outcome may or may not count.</item>
/// <item><b>API keys</b> (<c>{prefix}-a{writer}.{generation}</c>): each written by one writer, one write at a time
/// (set, patch, increment); the expected state is that of the acknowledged writes in order. After a write with an
/// unknown outcome the writer never writes that key again (a late arrival cannot reorder anything) and moves to a
/// new key, so the key ends in one of two states: with or without that last write.</item>
/// </list>
/// Produce and write through the delegates given to the constructor (<see cref="WorkloadBindings"/> has them for a
/// Confluent producer, the SDK and the HTTP API); run with <see cref="RunAsync(TimeSpan, CancellationToken)"/> (may
/// be called again to continue), then <see cref="WaitForConvergenceAsync"/> or <see cref="CompareAsync"/>.
/// </summary>
public sealed class MixedWorkload
{
    private const string SharedField = "n";
    private const int ReadChunk = 500;
    private static readonly string[] Fields = ["a", "b", "c"];

    private readonly MixedWorkloadOptions _options;
    private readonly Func<WorkloadRecord, Task<KafkaPosition>> _produce;
    private readonly Func<ApiWrite, CancellationToken, Task> _write;
    private readonly Lock _sync = new();
    private readonly Random _kafkaRandom;
    private readonly Stopwatch _clock = new();

    private readonly string[] _kafkaKeys;
    private readonly string[] _sharedKeys;
    private readonly SequentialModel _kafkaModel = new();
    private readonly Dictionary<string, long> _sharedKafka;
    private readonly Dictionary<string, long> _sharedApiAcknowledged;
    private readonly Dictionary<string, long> _sharedApiUnknown;
    private readonly SequentialModel _apiModel = new();
    private readonly Dictionary<string, (ChangeOperation Operation, Dictionary<string, long?> Fields)> _apiUnknownLast = new(StringComparer.Ordinal);
    private readonly List<string> _apiKeys = [];
    private readonly int[] _apiGenerations;
    private readonly Random[] _apiRandoms;
    private readonly HashSet<string> _failedProduceKeys = new(StringComparer.Ordinal);
    private readonly List<ProducedRecord> _produced = [];
    private readonly List<ApiWriteFailure> _failures = [];
    private readonly List<ApiWriteRefusal> _refusals = [];
    // Every Kafka record's change, indexed by its sequence number, to replay what the broker actually holds.
    private readonly List<(string Key, ChangeOperation Operation, Dictionary<string, long?>? Fields)> _kafkaChanges = [];
    // Expectations replaced by a replay of the broker's log, for keys of which it stored a record more than once.
    private readonly Dictionary<string, SequentialModel.KeyModel?> _kafkaReplayed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sharedKafkaStored = new(StringComparer.Ordinal);

    private long _kafkaProduced;
    private long _kafkaFailed;
    private long _kafkaIncrements;
    private long _apiAcknowledged;
    private long _apiUnknown;
    private long _apiTimedOut;
    private long _apiRefused;
    private long _apiIncrementsAcknowledged;
    private TimeSpan _apiSlowestAcknowledged;
    private int _kafkaInFlight;
    // Only the one producing loop numbers records.
    private long _kafkaSequence;

    /// <param name="options">Shape and pace.</param>
    /// <param name="produce">
    /// Produces a record and completes with its position once the broker acknowledged it (or throws). It is called
    /// from one loop in the model's order and must hand the record to the producer before returning its task, as
    /// Confluent's <c>ProduceAsync</c> does, so that a key's records keep their order.
    /// </param>
    /// <param name="write">
    /// Sends an API write and completes when it is acknowledged; throws when it is refused or fails
    /// (<see cref="ApiWriteErrors"/> tells which leave the outcome unknown). The token is cancelled only when the run is cancelled.
    /// </param>
    public MixedWorkload(MixedWorkloadOptions options, Func<WorkloadRecord, Task<KafkaPosition>> produce, Func<ApiWrite, CancellationToken, Task> write)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _produce = produce ?? throw new ArgumentNullException(nameof(produce));
        _write = write ?? throw new ArgumentNullException(nameof(write));
        _kafkaRandom = new Random(options.Seed);
        _kafkaKeys = [.. Enumerable.Range(0, options.KafkaKeys).Select(i => $"{options.KeyPrefix}-k{i}")];
        _sharedKeys = [.. Enumerable.Range(0, options.SharedKeys).Select(i => $"{options.KeyPrefix}-h{i}")];
        _sharedKafka = _sharedKeys.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        _sharedApiAcknowledged = _sharedKeys.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        _sharedApiUnknown = _sharedKeys.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        _apiGenerations = new int[options.ApiWriters];
        _apiRandoms = [.. Enumerable.Range(0, options.ApiWriters).Select(w => new Random(ApiWriterSeed(options.Seed, w)))];
    }

    /// <summary>The seed of every random choice (<see cref="MixedWorkloadOptions.Seed"/>): run again with it to replay.</summary>
    public int Seed => _options.Seed;

    /// <summary>The keys written only by Kafka records; the first ones are the hottest.</summary>
    public IReadOnlyList<string> KafkaKeys => _kafkaKeys;

    /// <summary>The keys that get Kafka and API increments at once.</summary>
    public IReadOnlyList<string> SharedKeys => _sharedKeys;

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

    /// <summary>What has been produced and written so far.</summary>
    public MixedWorkloadCounts Counts
    {
        get
        {
            lock (_sync)
            {
                return new MixedWorkloadCounts(_kafkaProduced, _kafkaFailed, _kafkaIncrements, _apiAcknowledged, _apiUnknown, _apiTimedOut, _apiRefused,
                    _apiIncrementsAcknowledged, _apiSlowestAcknowledged, _kafkaKeys.Length + _sharedKeys.Length + _apiKeys.Count, _clock.Elapsed);
            }
        }
    }

    /// <summary>The records the broker acknowledged, with their positions (for checking committed offsets).</summary>
    public IReadOnlyList<ProducedRecord> ProducedRecords
    {
        get
        {
            lock (_sync)
            {
                return [.. _produced];
            }
        }
    }

    /// <summary>The API writes whose outcome is unknown, in the order they failed.</summary>
    public IReadOnlyList<ApiWriteFailure> ApiFailures
    {
        get
        {
            lock (_sync)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>The API writes the system refused (not applied), in the order they were answered.</summary>
    public IReadOnlyList<ApiWriteRefusal> ApiRefusals
    {
        get
        {
            lock (_sync)
            {
                return [.. _refusals];
            }
        }
    }

    /// <summary>
    /// The seed of API writer <paramref name="writer"/>'s random choices: the same in every process and run, so a
    /// failing run is replayed by running again with the <see cref="MixedWorkloadOptions.Seed"/> it printed.
    /// </summary>
    public static int ApiWriterSeed(int seed, int writer) => unchecked((seed * 31) + writer + 1);

    /// <summary>
    /// Produces and writes at the configured rates for <paramref name="duration"/>, then waits for every produced
    /// record's acknowledgement and every API write in flight.
    /// </summary>
    public Task<MixedWorkloadCounts> RunAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var until = _clock.Elapsed + duration;
        return RunCoreAsync(() => _clock.Elapsed >= until, cancellationToken);
    }

    /// <summary>Like <see cref="RunAsync(TimeSpan, CancellationToken)"/>, until <paramref name="kafkaRecords"/> more records are produced.</summary>
    public Task<MixedWorkloadCounts> RunAsync(int kafkaRecords, CancellationToken cancellationToken = default)
    {
        var until = Interlocked.Read(ref _kafkaProduced) + Interlocked.Read(ref _kafkaFailed) + _kafkaInFlight + kafkaRecords;
        return RunCoreAsync(() => Interlocked.Read(ref _kafkaProduced) + Interlocked.Read(ref _kafkaFailed) + Volatile.Read(ref _kafkaInFlight) >= until, cancellationToken);
    }

    /// <summary>
    /// Runs the workload for <paramref name="duration"/> while <paramref name="during"/> injects a fault. If the fault
    /// step throws, the workload is stopped before the exception goes on, so nothing keeps producing into clients
    /// the test is about to dispose.
    /// </summary>
    public async Task<MixedWorkloadCounts> RunWithAsync(TimeSpan duration, Func<Task> during)
    {
        ArgumentNullException.ThrowIfNull(during);
        using var abort = new CancellationTokenSource();
        var run = RunAsync(duration, abort.Token);
        try
        {
            await during();
        }
        catch
        {
            await abort.CancelAsync();
            await run;
            throw;
        }

        return await run;
    }

    /// <summary>
    /// Reads every key through <paramref name="read"/> (SDK <c>GetManyAsync</c> or HTTP <c>batchGet</c>; keys
    /// without a value are left out) and returns one line per key whose value or version differs from what the
    /// workload allows. Empty when the cluster's state matches.
    /// </summary>
    public async Task<IReadOnlyList<string>> CompareAsync(
        Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> read,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        var keys = AllKeys;
        var observed = new Dictionary<string, ObservedValue>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(ReadChunk))
        {
            foreach (var (key, value) in await read(chunk, cancellationToken))
            {
                observed[key] = value;
            }
        }

        var mismatches = new List<string>();
        lock (_sync)
        {
            if (_kafkaFailed > 0)
            {
                mismatches.Add($"{_kafkaFailed} Kafka records failed to produce (keys {string.Join(", ", _failedProduceKeys.Take(5))}...): their keys cannot be predicted");
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
                CompareShared(key, observed.GetValueOrDefault(key), mismatches);
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

    /// <summary>
    /// Makes the expectation of every key of which the broker stored a record more than once what the broker holds:
    /// the key's records as they appear in <paramref name="log"/> (the whole topic, in log order per partition),
    /// replayed into a fresh model. The system must apply each stored copy once, so this is still exact; a key whose
    /// records the log does not hold completely keeps its expectation. Returns one line per key it changed or kept.
    /// </summary>
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
                if (_sharedKafka.TryGetValue(key, out var sharedProduced))
                {
                    _sharedKafkaStored[key] = stored.Count;
                    lines.Add($"{key}: the broker stored records {twice} twice: expecting {stored.Count} Kafka increments, not {sharedProduced}");
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
                lines.Add($"{key}: the broker stored records {twice} twice: expecting {Describe(_kafkaReplayed[key])} (its log replayed), not {Describe(before)}");
            }
        }

        return lines;
    }

    /// <summary>
    /// Compares until the cluster matches or <paramref name="timeout"/> passes (records and retried deliveries take
    /// a while to land); returns the last mismatches, empty on success. Reads that throw count as not yet converged.
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitForConvergenceAsync(
        Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> read,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<string> mismatches = ["not compared yet"];
        while (true)
        {
            try
            {
                mismatches = await CompareAsync(read, cancellationToken);
                if (mismatches.Count == 0)
                {
                    return mismatches;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                mismatches = [$"reading failed: {ex.GetType().Name}: {ex.Message}"];
            }

            if (deadline.Elapsed >= timeout)
            {
                return mismatches;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private async Task<MixedWorkloadCounts> RunCoreAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        _clock.Start();
        try
        {
            var writers = Enumerable.Range(0, _options.ApiWriters).Select(w => RunApiWriterAsync(w, done, cancellationToken)).ToList();
            await RunKafkaProducerAsync(done, cancellationToken);
            await Task.WhenAll(writers);
        }
        finally
        {
            _clock.Stop();
        }

        return Counts;
    }

    private async Task RunKafkaProducerAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        var pending = new List<Task>();
        var started = _clock.Elapsed;
        long sent = 0;
        while (!done() && !cancellationToken.IsCancellationRequested)
        {
            var due = (long)((_clock.Elapsed - started).TotalSeconds * _options.KafkaRecordsPerSecond);
            while (sent < due && !done() && Volatile.Read(ref _kafkaInFlight) < _options.MaxKafkaInFlight)
            {
                pending.Add(ProduceNextAsync());
                sent++;
            }

            if (pending.Count > 10_000)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }

            await Task.Delay(5, CancellationToken.None);
        }

        await Task.WhenAll(pending);
    }

    // Chooses the next record, updates the model in production order, and hands the record to the producer before
    // its first await, so the producer's order is the model's order.
    private Task ProduceNextAsync()
    {
        var random = _kafkaRandom;
        WorkloadRecord record;
        bool changesState;
        bool increment;
        if (_sharedKeys.Length > 0 && random.NextDouble() < _options.KafkaSharedShare)
        {
            var key = _sharedKeys[random.Next(_sharedKeys.Length)];
            record = new WorkloadRecord(key, $$"""{"{{SharedField}}":1}""", "incr", _kafkaSequence++);
            changesState = true;
            increment = true;
            lock (_sync)
            {
                _sharedKafka[key]++;
                _kafkaChanges.Add((key, ChangeOperation.Increment, new Dictionary<string, long?> { [SharedField] = 1 }));
            }
        }
        else
        {
            // A Zipf-like skew: the first few keys take a large share of the records.
            var key = _kafkaKeys[(int)(_kafkaKeys.Length * Math.Pow(random.NextDouble(), 3))];
            var roll = random.Next(100);
            (ChangeOperation operation, Dictionary<string, long?>? fields, string? header) = roll switch
            {
                < 15 => (ChangeOperation.Set, RandomFields(random, allowNull: false, minimum: 0), null),
                < 35 => (ChangeOperation.Patch, RandomFields(random, allowNull: true, minimum: 1), "patch"),
                < 95 => (ChangeOperation.Increment, new Dictionary<string, long?> { [Fields[random.Next(Fields.Length)]] = random.Next(-5, 20) }, "incr"),
                _ => (ChangeOperation.Delete, null, (string?)null),
            };
            record = new WorkloadRecord(key, fields is null ? null : JsonSerializer.Serialize(fields), header, _kafkaSequence++);
            increment = operation == ChangeOperation.Increment;
            lock (_sync)
            {
                var before = _kafkaModel.Keys.GetValueOrDefault(key)?.Version ?? 0;
                _kafkaModel.Apply(key, operation, fields);
                changesState = _kafkaModel.Keys[key].Version != before;
                _kafkaChanges.Add((key, operation, fields));
            }
        }

        Interlocked.Increment(ref _kafkaInFlight);
        return TrackProduceAsync(record, changesState, increment);
    }

    private async Task TrackProduceAsync(WorkloadRecord record, bool changesState, bool increment)
    {
        try
        {
            var position = await _produce(record);
            lock (_sync)
            {
                _kafkaProduced++;
                _kafkaIncrements += increment ? 1 : 0;
                _produced.Add(new ProducedRecord(record.Key, position, changesState));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            lock (_sync)
            {
                _kafkaFailed++;
                _failedProduceKeys.Add(record.Key);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _kafkaInFlight);
        }
    }

    private async Task RunApiWriterAsync(int writer, Func<bool> done, CancellationToken cancellationToken)
    {
        if (_options.ApiWritesPerSecond <= 0)
        {
            return;
        }

        var random = _apiRandoms[writer];
        var interval = TimeSpan.FromSeconds(_options.ApiWriters / _options.ApiWritesPerSecond);
        // Writers start spread over one interval, not all at once.
        var next = _clock.Elapsed + (interval * random.NextDouble());
        var key = CurrentApiKey(writer);
        while (!done() && !cancellationToken.IsCancellationRequested)
        {
            var wait = next - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }

            // Behind schedule (a slow write): carry on from now instead of bursting to catch up.
            next = (next < _clock.Elapsed - interval ? _clock.Elapsed : next) + interval;
            if (_sharedKeys.Length > 0 && random.NextDouble() < _options.ApiSharedShare)
            {
                var shared = _sharedKeys[random.Next(_sharedKeys.Length)];
                var outcome = await WriteAsync(new ApiWrite(shared, ChangeOperation.Increment, $$"""{"{{SharedField}}":1}"""), cancellationToken);
                lock (_sync)
                {
                    // A refused increment was not applied: it counts nowhere.
                    if (outcome != WriteOutcome.Refused)
                    {
                        (outcome == WriteOutcome.Acknowledged ? _sharedApiAcknowledged : _sharedApiUnknown)[shared]++;
                    }

                    _apiIncrementsAcknowledged += outcome == WriteOutcome.Acknowledged ? 1 : 0;
                }

                continue;
            }

            var roll = random.Next(100);
            var (operation, fields) = roll switch
            {
                < 20 => (ChangeOperation.Set, RandomFields(random, allowNull: false, minimum: 0)),
                < 50 => (ChangeOperation.Patch, RandomFields(random, allowNull: true, minimum: 1)),
                _ => (ChangeOperation.Increment, new Dictionary<string, long?> { [Fields[random.Next(Fields.Length)]] = random.Next(1, 10) }),
            };
            var written = await WriteAsync(new ApiWrite(key, operation, JsonSerializer.Serialize(fields)), cancellationToken);
            if (written == WriteOutcome.Acknowledged)
            {
                lock (_sync)
                {
                    _apiModel.Apply(key, operation, fields);
                }
            }
            else if (written == WriteOutcome.Unknown)
            {
                // The write may still land at any time: leave this key alone from now on.
                lock (_sync)
                {
                    _apiUnknownLast[key] = (operation, fields);
                    _apiGenerations[writer]++;
                }

                key = CurrentApiKey(writer);
            }
        }
    }

    private string CurrentApiKey(int writer)
    {
        lock (_sync)
        {
            var key = $"{_options.KeyPrefix}-a{writer}.{_apiGenerations[writer]}";
            if (!_apiKeys.Contains(key))
            {
                _apiKeys.Add(key);
            }

            return key;
        }
    }

    /// <summary>Sends one write and tells whether it was acknowledged, refused (not applied) or has an unknown outcome.</summary>
    private async Task<WriteOutcome> WriteAsync(ApiWrite write, CancellationToken cancellationToken)
    {
        var sentAt = _clock.Elapsed;
        Task task;
        try
        {
            task = _write(write, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            task = Task.FromException(ex);
        }

        var finished = await Task.WhenAny(task, Task.Delay(_options.ApiWriteTimeout, CancellationToken.None));
        if (finished == task && task.IsCompletedSuccessfully)
        {
            lock (_sync)
            {
                _apiAcknowledged++;
                _apiSlowestAcknowledged = TimeSpan.FromTicks(Math.Max(_apiSlowestAcknowledged.Ticks, (_clock.Elapsed - sentAt).Ticks));
            }

            return WriteOutcome.Acknowledged;
        }

        var timedOut = finished != task;
        if (!timedOut && task.Exception?.InnerException is { } refusal && !ApiWriteErrors.IsOutcomeUnknown(refusal))
        {
            lock (_sync)
            {
                _apiRefused++;
                _refusals.Add(new ApiWriteRefusal(sentAt, write.Key, ApiWriteErrors.KindOf(refusal), refusal.Message));
            }

            return WriteOutcome.Refused;
        }

        if (timedOut)
        {
            // Abandoned, not forgotten: observe its eventual failure.
            _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        var error = timedOut
            ? $"no answer within {_options.ApiWriteTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"
            : task.Exception?.InnerException is { } failure ? $"{failure.GetType().Name}: {failure.Message}" : "cancelled";
        lock (_sync)
        {
            _apiUnknown++;
            _apiTimedOut += timedOut ? 1 : 0;
            _failures.Add(new ApiWriteFailure(sentAt, _clock.Elapsed - sentAt, write.Key, error, timedOut));
        }

        return WriteOutcome.Unknown;
    }

    private enum WriteOutcome
    {
        Acknowledged,
        Refused,
        Unknown,
    }

    private static Dictionary<string, long?> RandomFields(Random random, bool allowNull, int minimum)
    {
        var fields = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var field in Fields)
        {
            if (random.Next(2) == 0)
            {
                fields[field] = allowNull && random.Next(4) == 0 ? null : random.Next(-1000, 1000);
            }
        }

        if (fields.Count < minimum)
        {
            fields[Fields[random.Next(Fields.Length)]] = random.Next(-1000, 1000);
        }

        return fields;
    }

    private void CompareShared(string key, ObservedValue? observed, List<string> mismatches)
    {
        var kafka = _sharedKafkaStored.TryGetValue(key, out var stored) ? stored : _sharedKafka[key];
        var acknowledged = _sharedApiAcknowledged[key];
        var unknown = _sharedApiUnknown[key];
        var expectation = $"Kafka {kafka} + API {acknowledged}{(unknown > 0 ? $"..{acknowledged + unknown}" : "")}";
        if (kafka + acknowledged == 0)
        {
            // Never acknowledged anything; the key may be absent or hold unknown writes only.
            if (observed is null)
            {
                return;
            }
        }

        if (observed is null)
        {
            mismatches.Add($"{key}: expected n = {expectation}, got absent");
            return;
        }

        if (!TryParse(observed.Json, out var fields) || fields.Count != 1 || !fields.TryGetValue(SharedField, out var n))
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
}
