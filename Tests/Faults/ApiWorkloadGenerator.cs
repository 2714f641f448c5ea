using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// The API side of a <see cref="MixedWorkload"/>: seeded writers, each writing its own keys one write at a time and
/// incrementing the shared keys. Each write ends acknowledged, refused or with an unknown outcome
/// (<see cref="ApiWriteErrors"/>); the <see cref="WorkloadOracle"/> is told which. After an unknown outcome a writer
/// never writes that key again (a late arrival cannot reorder anything) and moves to a new key.
/// </summary>
public sealed class ApiWorkloadGenerator
{
    private readonly MixedWorkloadOptions _options;
    private readonly Func<ApiWrite, CancellationToken, Task> _write;
    private readonly WorkloadOracle _oracle;
    private readonly Stopwatch _clock;
    private readonly IReadOnlyList<string> _sharedKeys;
    private readonly int[] _generations;
    private readonly Random[] _randoms;
    private readonly Lock _sync = new();
    private readonly List<ApiWriteFailure> _failures = [];
    private readonly List<ApiWriteRefusal> _refusals = [];
    private long _acknowledged;
    private long _incrementsAcknowledged;
    private TimeSpan _slowestAcknowledged;

    public ApiWorkloadGenerator(
        MixedWorkloadOptions options, Func<ApiWrite, CancellationToken, Task> write, WorkloadOracle oracle, Stopwatch clock, IReadOnlyList<string> sharedKeys)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _write = write ?? throw new ArgumentNullException(nameof(write));
        _oracle = oracle ?? throw new ArgumentNullException(nameof(oracle));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _sharedKeys = sharedKeys ?? throw new ArgumentNullException(nameof(sharedKeys));
        _generations = new int[options.ApiWriters];
        _randoms = [.. Enumerable.Range(0, options.ApiWriters).Select(w => new Random(WriterSeed(options.Seed, w)))];
    }

    private enum WriteOutcome
    {
        Acknowledged,
        Refused,
        Unknown,
    }

    /// <summary>
    /// The seed of writer <paramref name="writer"/>'s random choices: the same in every process and run, so a failing
    /// run is replayed by running again with the <see cref="MixedWorkloadOptions.Seed"/> it printed.
    /// </summary>
    public static int WriterSeed(int seed, int writer) => unchecked((seed * 31) + writer + 1);

    /// <summary>API writes that were acknowledged, and of them the increments of shared keys, and the slowest.</summary>
    public (long Acknowledged, long IncrementsAcknowledged, TimeSpan Slowest) Acknowledged
    {
        get
        {
            lock (_sync)
            {
                return (_acknowledged, _incrementsAcknowledged, _slowestAcknowledged);
            }
        }
    }

    /// <summary>The writes whose outcome is unknown, in the order they failed.</summary>
    public IReadOnlyList<ApiWriteFailure> Failures
    {
        get
        {
            lock (_sync)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>The writes the system refused (not applied), in the order they were answered.</summary>
    public IReadOnlyList<ApiWriteRefusal> Refusals
    {
        get
        {
            lock (_sync)
            {
                return [.. _refusals];
            }
        }
    }

    /// <summary>Runs every writer until <paramref name="done"/> or cancellation; each waits for its write in flight.</summary>
    public Task RunAsync(Func<bool> done, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.ApiWriters).Select(w => RunWriterAsync(w, done, cancellationToken)));

    private async Task RunWriterAsync(int writer, Func<bool> done, CancellationToken cancellationToken)
    {
        if (_options.ApiWritesPerSecond <= 0)
        {
            return;
        }

        var random = _randoms[writer];
        var interval = TimeSpan.FromSeconds(_options.ApiWriters / _options.ApiWritesPerSecond);
        // Writers start spread over one interval, not all at once.
        var next = _clock.Elapsed + (interval * random.NextDouble());
        var key = CurrentKey(writer);
        while (!done() && !cancellationToken.IsCancellationRequested)
        {
            var wait = next - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }

            // Behind schedule (a slow write): carry on from now instead of bursting to catch up.
            next = (next < _clock.Elapsed - interval ? _clock.Elapsed : next) + interval;
            if (_sharedKeys.Count > 0 && random.NextDouble() < _options.ApiSharedShare)
            {
                var shared = _sharedKeys[random.Next(_sharedKeys.Count)];
                var outcome = await WriteAsync(new ApiWrite(shared, ChangeOperation.Increment, WorkloadChanges.SharedIncrementJson), cancellationToken);
                // A refused increment was not applied: it counts nowhere.
                if (outcome != WriteOutcome.Refused)
                {
                    _oracle.SharedApiIncrement(shared, outcome == WriteOutcome.Acknowledged);
                }

                if (outcome == WriteOutcome.Acknowledged)
                {
                    lock (_sync)
                    {
                        _incrementsAcknowledged++;
                    }
                }

                continue;
            }

            var roll = random.Next(100);
            var (operation, fields) = roll switch
            {
                < 20 => (ChangeOperation.Set, WorkloadChanges.RandomFields(random, allowNull: false, minimum: 0)),
                < 50 => (ChangeOperation.Patch, WorkloadChanges.RandomFields(random, allowNull: true, minimum: 1)),
                _ => (ChangeOperation.Increment, WorkloadChanges.RandomIncrement(random, 1, 10)),
            };
            switch (await WriteAsync(new ApiWrite(key, operation, JsonSerializer.Serialize(fields)), cancellationToken))
            {
                case WriteOutcome.Acknowledged:
                    _oracle.ApiAcknowledged(key, operation, fields);
                    break;
                case WriteOutcome.Unknown:
                    // The write may still land at any time: leave this key alone from now on.
                    _oracle.ApiUnknown(key, operation, fields);
                    _generations[writer]++;
                    key = CurrentKey(writer);
                    break;
                case WriteOutcome.Refused:
                    // Not applied: the key stays as the model has it.
                    break;
            }
        }
    }

    private string CurrentKey(int writer)
    {
        var key = $"{_options.KeyPrefix}-a{writer}.{_generations[writer]}";
        _oracle.ApiKey(key);
        return key;
    }

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
                _acknowledged++;
                _slowestAcknowledged = TimeSpan.FromTicks(Math.Max(_slowestAcknowledged.Ticks, (_clock.Elapsed - sentAt).Ticks));
            }

            return WriteOutcome.Acknowledged;
        }

        var timedOut = finished != task;
        if (!timedOut && task.Exception?.InnerException is { } refusal && !ApiWriteErrors.IsOutcomeUnknown(refusal))
        {
            lock (_sync)
            {
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
            _failures.Add(new ApiWriteFailure(sentAt, _clock.Elapsed - sentAt, write.Key, error, timedOut));
        }

        return WriteOutcome.Unknown;
    }
}
