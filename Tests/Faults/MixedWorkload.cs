using System.Diagnostics;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A seeded mixed workload whose final state is predictable although Kafka and API writers run at the same time,
/// and a comparison of the cluster's state with it. Values are flat JSON objects of integer fields.
/// <list type="bullet">
/// <item><b>Kafka keys</b> (<c>{prefix}-k{i}</c>): sets, merge patches, increments and tombstones from Kafka only,
/// Zipf-skewed; the expected value and version come from a <see cref="Ingestion.SequentialModel"/> of the records in the order
/// they were produced.</item>
/// <item><b>Shared keys</b> (<c>{prefix}-h{i}</c>): field <c>n</c> gets <c>+1</c> from Kafka <c>incr</c> records and
/// from API increments at once. Increments commute, so <c>n</c> = Kafka records + API increments applied, and
/// the version equals <c>n</c>. An API increment with an unknown outcome may or may not count.</item>
/// <item><b>API keys</b> (<c>{prefix}-a{writer}.{generation}</c>): each written by one writer, one write at a time
/// (set, patch, increment); the expected state is that of the acknowledged writes in order. After a write with an
/// unknown outcome the writer never writes that key again (a late arrival cannot reorder anything) and moves to a
/// new key, so the key ends in one of two states: with or without that last write. A refused write (400, 409, 500...) is not applied.</item>
/// </list>
/// The parts: <see cref="KafkaWorkloadGenerator"/> and <see cref="ApiWorkloadGenerator"/> send the changes and tell
/// the <see cref="WorkloadOracle"/>, which knows what each key must hold; this class runs them and compares.
/// Produce and write through the delegates given to the constructor (<see cref="WorkloadBindings"/> has them for a
/// Confluent producer, the SDK and the HTTP API); run with <see cref="RunAsync(TimeSpan, CancellationToken)"/> (may
/// be called again to continue), then <see cref="WaitForConvergenceAsync"/> or <see cref="CompareAsync"/>.
/// </summary>
public sealed class MixedWorkload
{
    private const int ReadChunk = 500;

    private readonly MixedWorkloadOptions _options;
    private readonly Stopwatch _clock = new();
    private readonly string[] _kafkaKeys;
    private readonly string[] _sharedKeys;
    private readonly WorkloadOracle _oracle;
    private readonly KafkaWorkloadGenerator _kafka;
    private readonly ApiWorkloadGenerator _api;

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
        _kafkaKeys = [.. Enumerable.Range(0, options.KafkaKeys).Select(i => $"{options.KeyPrefix}-k{i}")];
        _sharedKeys = [.. Enumerable.Range(0, options.SharedKeys).Select(i => $"{options.KeyPrefix}-h{i}")];
        _oracle = new WorkloadOracle(_kafkaKeys, _sharedKeys);
        _kafka = new KafkaWorkloadGenerator(options, produce, _oracle, _clock, _kafkaKeys, _sharedKeys);
        _api = new ApiWorkloadGenerator(options, write, _oracle, _clock, _sharedKeys);
    }

    /// <summary>The seed of every random choice (<see cref="MixedWorkloadOptions.Seed"/>): run again with it to replay.</summary>
    public int Seed => _options.Seed;

    /// <summary>The keys written only by Kafka records; the first ones are the hottest.</summary>
    public IReadOnlyList<string> KafkaKeys => _kafkaKeys;

    /// <summary>The keys that get Kafka and API increments at once.</summary>
    public IReadOnlyList<string> SharedKeys => _sharedKeys;

    /// <summary>Every key the workload has written or will compare.</summary>
    public IReadOnlyList<string> AllKeys => _oracle.AllKeys;

    /// <summary>What has been produced and written so far.</summary>
    public MixedWorkloadCounts Counts
    {
        get
        {
            var (acknowledged, incrementsAcknowledged, slowest) = _api.Acknowledged;
            var failures = _api.Failures;
            return new MixedWorkloadCounts(_kafka.RecordsProduced, _kafka.RecordsFailed, _kafka.Increments, acknowledged, failures.Count,
                failures.Count(f => f.TimedOut), _api.Refusals.Count, incrementsAcknowledged, slowest, _oracle.AllKeys.Count, _clock.Elapsed);
        }
    }

    /// <summary>The records the broker acknowledged, with their positions (for checking committed offsets).</summary>
    public IReadOnlyList<ProducedRecord> ProducedRecords => _kafka.Produced;

    /// <summary>The API writes whose outcome is unknown, in the order they failed.</summary>
    public IReadOnlyList<ApiWriteFailure> ApiFailures => _api.Failures;

    /// <summary>The API writes the system refused (not applied), in the order they were answered.</summary>
    public IReadOnlyList<ApiWriteRefusal> ApiRefusals => _api.Refusals;

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
        long Sent() => _kafka.RecordsProduced + _kafka.RecordsFailed + _kafka.InFlight;
        var until = Sent() + kafkaRecords;
        return RunCoreAsync(() => Sent() >= until, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="RunAsync(TimeSpan, CancellationToken)"/>, for at least <paramref name="minimum"/> and until
    /// <paramref name="enough"/> holds of the counts (or <paramref name="maximum"/> passes): a coverage floor reached by
    /// waiting for it, not by assuming how fast the machine is.
    /// </summary>
    public Task<MixedWorkloadCounts> RunUntilAsync(Func<MixedWorkloadCounts, bool> enough, TimeSpan minimum, TimeSpan maximum, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(enough);
        var from = _clock.Elapsed;
        return RunCoreAsync(() => _clock.Elapsed - from >= maximum || (_clock.Elapsed - from >= minimum && enough(Counts)), cancellationToken);
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
        return _oracle.Compare(await ReadAllAsync(read, cancellationToken), _kafka.RecordsFailed);
    }

    /// <summary>
    /// Makes the expectation of every key of which the broker stored a record more than once what the broker holds:
    /// the key's records as they appear in <paramref name="log"/> (the whole topic, in log order per partition),
    /// replayed into a fresh model. The system must apply each stored copy once, so this is still exact; a key whose
    /// records the log does not hold completely keeps its expectation. Returns one line per key it changed or kept.
    /// </summary>
    public IReadOnlyList<string> ExpectWhatTheBrokerStored(IReadOnlyList<StoredRecord> log) => _oracle.ExpectWhatTheBrokerStored(log);

    /// <summary>See <see cref="WorkloadOracle.ChangelogFloor"/>.</summary>
    public IReadOnlyDictionary<string, long> ChangelogFloor() => _oracle.ChangelogFloor();

    /// <summary>See <see cref="WorkloadOracle.ChangelogHistories"/>.</summary>
    public IReadOnlyDictionary<string, Dictionary<long, string?>> ChangelogHistories(IReadOnlyDictionary<string, ObservedValue> observed) =>
        _oracle.ChangelogHistories(observed);

    /// <summary>Reads every key through <paramref name="read"/>, as <see cref="CompareAsync"/> does; keys without a value are left out.</summary>
    public async Task<IReadOnlyDictionary<string, ObservedValue>> ReadAllAsync(
        Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> read,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        var observed = new Dictionary<string, ObservedValue>(StringComparer.Ordinal);
        foreach (var chunk in AllKeys.Chunk(ReadChunk))
        {
            foreach (var (key, value) in await read(chunk, cancellationToken))
            {
                observed[key] = value;
            }
        }

        return observed;
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
            var writers = _api.RunAsync(done, cancellationToken);
            await _kafka.RunAsync(done, cancellationToken);
            await writers;
        }
        finally
        {
            _clock.Stop();
        }

        return Counts;
    }
}
