using System.Diagnostics.Metrics;

namespace OrleansHotData.Tests.Streaming;

/// <summary>Reads the Kafka stream provider's instruments in this process, as a metrics exporter would.</summary>
public static class KafkaStreamMetrics
{
    private const string MeterName = "Orleans.Streaming.Kafka";

    /// <summary>The current value of the <c>orleans.streaming.kafka.stalled</c> gauge for <paramref name="topic"/>[<paramref name="partition"/>], or <see langword="null"/> without one.</summary>
    public static int? Stalled(string topic, int partition)
    {
        int? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MeterName && instrument.Name == "orleans.streaming.kafka.stalled")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, tags, _) =>
        {
            if (HasTag(tags, "topic", topic) && HasTag(tags, "partition", partition))
            {
                value = measurement;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    /// <summary>Runs <paramref name="action"/> and returns how much it added to counter <paramref name="counter"/> for <paramref name="topic"/>.</summary>
    public static async Task<long> CountAsync(string counter, string topic, Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        long total = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MeterName && instrument.Name == counter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            if (HasTag(tags, "topic", topic))
            {
                Interlocked.Add(ref total, measurement);
            }
        });
        listener.Start();
        await action();
        return Interlocked.Read(ref total);
    }

    private static bool HasTag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name, object expected)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name && Equals(tag.Value, expected))
            {
                return true;
            }
        }

        return false;
    }
}
