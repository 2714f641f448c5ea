using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>The provider's metrics, on the <c>Orleans.Streaming.Kafka</c> meter.</summary>
internal static class KafkaStreamInstruments
{
    public const string MeterName = "Orleans.Streaming.Kafka";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> RecordsReceived =
        Meter.CreateCounter<long>("orleans.streaming.kafka.records_received", unit: "{record}", description: "Records read from Kafka partitions.");

    private static readonly Counter<long> RecordsDeadLettered =
        Meter.CreateCounter<long>("orleans.streaming.kafka.records_dead_lettered", unit: "{record}", description: "Records written to dead-letter topics.");

    private static readonly Counter<long> CommitFailures =
        Meter.CreateCounter<long>("orleans.streaming.kafka.commit_failures", unit: "{commit}", description: "Offset commits that failed and will be retried.");

    private static readonly Counter<long> DeadLetterFailures =
        Meter.CreateCounter<long>("orleans.streaming.kafka.dead_letter_failures", unit: "{record}", description: "Attempts to write a record to a dead-letter topic that failed (each is retried; the record holds its partition meanwhile).");

    private static readonly Counter<long> Stalls =
        Meter.CreateCounter<long>("orleans.streaming.kafka.stalls", unit: "{stall}", description: "Times a partition was found stalled (see the stalled gauge).");

    private static readonly Counter<long> StallRecoveries =
        Meter.CreateCounter<long>("orleans.streaming.kafka.stall_recoveries", unit: "{stall}", description: "Times a stalled partition moved on again.");

    private static readonly ConcurrentDictionary<KafkaQueueAdapterReceiver, byte> Receivers = new();

    // One time series per partition read in this process: the records not yet delivered.
    private static readonly ObservableGauge<long> Lag =
        Meter.CreateObservableGauge("orleans.streaming.kafka.lag", ObserveLag, unit: "{record}", description: "Records in a partition not yet delivered: its high watermark minus the lowest offset not yet delivered.");

    // One time series per partition read in this process: 1 while it is stalled (see KafkaStreamOptions.StallTimeout), else 0.
    private static readonly ObservableGauge<int> Stalled =
        Meter.CreateObservableGauge("orleans.streaming.kafka.stalled", ObserveStalled, unit: "{partition}", description: "1 while a partition has records waiting and its lowest undelivered offset has not moved for longer than the stall timeout, else 0.");

    public static void Track(KafkaQueueAdapterReceiver receiver) => Receivers.TryAdd(receiver, 0);

    public static void Untrack(KafkaQueueAdapterReceiver receiver) => Receivers.TryRemove(receiver, out _);

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var receiver in Receivers.Keys)
        {
            var status = receiver.GetStatus();
            if (status.Lag is { } lag)
            {
                yield return new Measurement<long>(lag, new TagList
                {
                    { "provider", receiver.ProviderName },
                    { "topic", status.Topic },
                    { "partition", status.Partition },
                });
            }
        }
    }

    private static IEnumerable<Measurement<int>> ObserveStalled()
    {
        foreach (var receiver in Receivers.Keys)
        {
            var status = receiver.GetStatus();
            yield return new Measurement<int>(status.IsStalled ? 1 : 0, new TagList
            {
                { "provider", receiver.ProviderName },
                { "topic", status.Topic },
                { "partition", status.Partition },
            });
        }
    }

    public static void OnReceived(string provider, string topic, int count)
    {
        if (RecordsReceived.Enabled && count > 0)
        {
            RecordsReceived.Add(count, Tags(provider, topic));
        }
    }

    public static void OnDeadLettered(string provider, string topic) => RecordsDeadLettered.Add(1, Tags(provider, topic));

    public static void OnDeadLetterFailed(string provider, string topic) => DeadLetterFailures.Add(1, Tags(provider, topic));

    public static void OnStalled(string provider, string topic) => Stalls.Add(1, Tags(provider, topic));

    public static void OnStallRecovered(string provider, string topic) => StallRecoveries.Add(1, Tags(provider, topic));

    public static void OnCommitFailed(string provider, string topic) => CommitFailures.Add(1, Tags(provider, topic));

    private static TagList Tags(string provider, string topic) =>
        new() { { "provider", provider }, { "topic", topic } };
}
