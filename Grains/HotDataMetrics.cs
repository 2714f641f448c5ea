using System.Diagnostics.Metrics;

namespace OrleansHotData.Grains;

/// <summary>The system's one meter, <c>OrleansHotData</c>: what the grains did with the changes they were given.</summary>
public sealed class HotDataMetrics
{
    /// <summary>The meter's name, for exporters.</summary>
    public const string MeterName = "OrleansHotData";

    private readonly Counter<long> _applied;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _stale;
    private readonly Counter<long> _deadLettered;

    public HotDataMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _applied = meter.CreateCounter<long>("hotdata.changes.applied", "{change}", "Changes applied and persisted, by source (api, kafka).");
        _duplicates = meter.CreateCounter<long>("hotdata.records.duplicates", "{record}", "Kafka records skipped because their position was already applied.");
        _stale = meter.CreateCounter<long>("hotdata.records.stale", "{record}", "Kafka records skipped because their upstream version was not newer.");
        _deadLettered = meter.CreateCounter<long>("hotdata.records.dead_lettered", "{record}", "Kafka records sent to the dead-letter topic, by reason.");
    }

    public void Applied(string source) => _applied.Add(1, new KeyValuePair<string, object?>("source", source));

    public void Duplicate() => _duplicates.Add(1);

    public void Stale() => _stale.Add(1);

    public void DeadLettered(string reason) => _deadLettered.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
