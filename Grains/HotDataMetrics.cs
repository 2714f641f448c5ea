using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Grains;

/// <summary>
/// What the grains did with the changes they were given and how long their Redis writes took, on the system's one meter,
/// <c>OrleansHotData</c> (the silo's HTTP API counts its requests and watchers on the same meter). It also keeps this
/// silo's running totals for the operations page, with the Kafka partitions it reads (their lag is exported once, by
/// the stream provider's meter).
/// </summary>
public sealed class HotDataMetrics
{
    /// <summary>The meter's name, for exporters.</summary>
    public const string MeterName = "OrleansHotData";

    /// <summary>
    /// Latency buckets in seconds, from half a millisecond (a write to a local Redis) to ten seconds (a request that
    /// waited out a timeout).
    /// </summary>
    public static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly Counter<long> _applied;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _stale;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _storageWriteDuration;
    private readonly KafkaStreamDiagnostics? _kafka;

    private readonly ConcurrentDictionary<string, long> _deadLetteredByReason = new(StringComparer.Ordinal);
    private long _appliedApi;
    private long _appliedKafka;
    private long _duplicateCount;
    private long _staleCount;
    private long _storageWrites;
    private long _storageWriteFailures;
    private long _storageWriteTicks;

    /// <param name="meterFactory">Creates the meter.</param>
    /// <param name="kafka">The Kafka partitions this silo reads, when Kafka ingestion is on.</param>
    public HotDataMetrics(IMeterFactory meterFactory, KafkaStreamDiagnostics? kafka = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _kafka = kafka;
        var meter = meterFactory.Create(MeterName);
        _applied = meter.CreateCounter<long>("hotdata.changes.applied", "{change}", "Changes applied and persisted, by source (api, kafka).");
        _duplicates = meter.CreateCounter<long>("hotdata.records.duplicates", "{record}", "Kafka records skipped because their position was already applied.");
        _stale = meter.CreateCounter<long>("hotdata.records.stale", "{record}", "Kafka records skipped because their upstream version was not newer.");
        _deadLettered = meter.CreateCounter<long>("hotdata.records.dead_lettered", "{record}", "Kafka records sent to the dead-letter topic, by reason.");
        _storageWriteDuration = meter.CreateHistogram("hotdata.storage.write.duration", "s", "Writes of grain state to Redis, by outcome (ok, error).", tags: null, LatencyBuckets);
    }

    public void Applied(HotDataChangeSource source, int count = 1)
    {
        Interlocked.Add(ref source == HotDataChangeSource.Kafka ? ref _appliedKafka : ref _appliedApi, count);
        _applied.Add(count, new KeyValuePair<string, object?>("source", SourceTag(source)));
    }

    public void Duplicate()
    {
        Interlocked.Increment(ref _duplicateCount);
        _duplicates.Add(1);
    }

    public void Stale()
    {
        Interlocked.Increment(ref _staleCount);
        _stale.Add(1);
    }

    public void DeadLettered(string reason)
    {
        _deadLetteredByReason.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        _deadLettered.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void StorageWritten(TimeSpan duration, bool succeeded)
    {
        Interlocked.Increment(ref _storageWrites);
        Interlocked.Add(ref _storageWriteTicks, duration.Ticks);
        if (!succeeded)
        {
            Interlocked.Increment(ref _storageWriteFailures);
        }

        _storageWriteDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "error"));
    }

    /// <summary>This silo's running totals since it started.</summary>
    public HotDataTotals GetTotals() => new()
    {
        AppliedFromApi = Interlocked.Read(ref _appliedApi),
        AppliedFromKafka = Interlocked.Read(ref _appliedKafka),
        Duplicates = Interlocked.Read(ref _duplicateCount),
        Stale = Interlocked.Read(ref _staleCount),
        DeadLettered = _deadLetteredByReason.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        StorageWrites = Interlocked.Read(ref _storageWrites),
        StorageWriteFailures = Interlocked.Read(ref _storageWriteFailures),
        StorageWriteSeconds = TimeSpan.FromTicks(Interlocked.Read(ref _storageWriteTicks)).TotalSeconds,
        Partitions = _kafka?.GetActivePartitions() ?? [],
    };

    private static string SourceTag(HotDataChangeSource source) => source switch
    {
        HotDataChangeSource.Api => "api",
        HotDataChangeSource.Kafka => "kafka",
        HotDataChangeSource.Expiry => "expiry",
        _ => "unknown",
    };
}
