using System.Diagnostics;
using System.Text.Json;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// The Kafka side of a <see cref="MixedWorkload"/>: one loop producing seeded records at the configured rate, Zipf-
/// skewed over the Kafka keys plus increments of the shared keys, each told to the <see cref="WorkloadOracle"/> in
/// production order before it is handed to the producer.
/// </summary>
public sealed class KafkaWorkloadGenerator
{
    private readonly MixedWorkloadOptions _options;
    private readonly Func<WorkloadRecord, Task<KafkaPosition>> _produce;
    private readonly WorkloadOracle _oracle;
    private readonly Stopwatch _clock;
    private readonly Random _random;
    private readonly IReadOnlyList<string> _kafkaKeys;
    private readonly IReadOnlyList<string> _sharedKeys;
    private readonly Lock _sync = new();
    private readonly List<ProducedRecord> _produced = [];
    private long _recordsProduced;
    private long _recordsFailed;
    private long _increments;
    private int _inFlight;
    // Only the one producing loop numbers records.
    private long _sequence;

    public KafkaWorkloadGenerator(
        MixedWorkloadOptions options, Func<WorkloadRecord, Task<KafkaPosition>> produce, WorkloadOracle oracle, Stopwatch clock,
        IReadOnlyList<string> kafkaKeys, IReadOnlyList<string> sharedKeys)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _produce = produce ?? throw new ArgumentNullException(nameof(produce));
        _oracle = oracle ?? throw new ArgumentNullException(nameof(oracle));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _kafkaKeys = kafkaKeys ?? throw new ArgumentNullException(nameof(kafkaKeys));
        _sharedKeys = sharedKeys ?? throw new ArgumentNullException(nameof(sharedKeys));
        _random = new Random(options.Seed);
    }

    /// <summary>Records the broker acknowledged.</summary>
    public long RecordsProduced => Interlocked.Read(ref _recordsProduced);

    /// <summary>Records whose produce failed.</summary>
    public long RecordsFailed => Interlocked.Read(ref _recordsFailed);

    /// <summary>Acknowledged <c>incr</c> records.</summary>
    public long Increments => Interlocked.Read(ref _increments);

    /// <summary>Records handed to the producer and not yet acknowledged or failed.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The records the broker acknowledged, with their positions.</summary>
    public IReadOnlyList<ProducedRecord> Produced
    {
        get
        {
            lock (_sync)
            {
                return [.. _produced];
            }
        }
    }

    /// <summary>Produces until <paramref name="done"/> or cancellation, then waits for every record's acknowledgement.</summary>
    public async Task RunAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        var pending = new List<Task>();
        var started = _clock.Elapsed;
        long sent = 0;
        while (!done() && !cancellationToken.IsCancellationRequested)
        {
            var due = (long)((_clock.Elapsed - started).TotalSeconds * _options.KafkaRecordsPerSecond);
            while (sent < due && !done() && InFlight < _options.MaxKafkaInFlight)
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

    // Chooses the next record, tells the oracle in production order, and hands the record to the producer before
    // its first await, so the producer's order is the model's order.
    private Task ProduceNextAsync()
    {
        var random = _random;
        string key;
        ChangeOperation operation;
        Dictionary<string, long?>? fields;
        string? header;
        if (_sharedKeys.Count > 0 && random.NextDouble() < _options.KafkaSharedShare)
        {
            key = _sharedKeys[random.Next(_sharedKeys.Count)];
            (operation, fields, header) = (ChangeOperation.Increment, WorkloadChanges.SharedIncrement(), "incr");
        }
        else
        {
            // A Zipf-like skew: the first few keys take a large share of the records.
            key = _kafkaKeys[(int)(_kafkaKeys.Count * Math.Pow(random.NextDouble(), 3))];
            var roll = random.Next(100);
            (operation, fields, header) = roll switch
            {
                < 15 => (ChangeOperation.Set, WorkloadChanges.RandomFields(random, allowNull: false, minimum: 0), null),
                < 35 => (ChangeOperation.Patch, WorkloadChanges.RandomFields(random, allowNull: true, minimum: 1), "patch"),
                < 95 => (ChangeOperation.Increment, WorkloadChanges.RandomIncrement(random, -5, 20), "incr"),
                _ => (ChangeOperation.Delete, null, (string?)null),
            };
        }

        var sequence = _sequence++;
        var record = new WorkloadRecord(key, fields is null ? null : JsonSerializer.Serialize(fields), header, sequence);
        var changesState = _oracle.KafkaRecord(sequence, key, operation, fields);
        Interlocked.Increment(ref _inFlight);
        return TrackProduceAsync(record, changesState, operation == ChangeOperation.Increment);
    }

    private async Task TrackProduceAsync(WorkloadRecord record, bool changesState, bool increment)
    {
        try
        {
            var position = await _produce(record);
            lock (_sync)
            {
                _produced.Add(new ProducedRecord(record.Key, position, changesState));
            }

            Interlocked.Increment(ref _recordsProduced);
            if (increment)
            {
                Interlocked.Increment(ref _increments);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _oracle.KafkaRecordFailed(record.Key);
            Interlocked.Increment(ref _recordsFailed);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
