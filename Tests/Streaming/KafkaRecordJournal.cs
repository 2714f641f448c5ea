using System.Collections.Concurrent;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// What the collector grains received, per topic, in arrival order. In-process silos share it; tests use topics
/// of their own, so they never see each other's records.
/// </summary>
public static class KafkaRecordJournal
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedKafkaRecord>> ByTopic = new(StringComparer.Ordinal);

    /// <summary>Writes down one received record.</summary>
    public static void Add(KafkaRecord record, string silo) =>
        ByTopic.GetOrAdd(record.Topic, static _ => new()).Enqueue(new ReceivedKafkaRecord(record, silo));

    /// <summary>The records received from <paramref name="topic"/> so far, in arrival order.</summary>
    public static IReadOnlyList<ReceivedKafkaRecord> Received(string topic) =>
        ByTopic.TryGetValue(topic, out var queue) ? [.. queue] : [];

    /// <summary>The records of <paramref name="topic"/> with key <paramref name="key"/> received so far, in arrival order.</summary>
    public static IReadOnlyList<KafkaRecord> Received(string topic, string key) =>
        [.. Received(topic).Select(received => received.Record).Where(record => record.Key == key)];

    /// <summary>Forgets what was received from <paramref name="topic"/>.</summary>
    public static void Clear(string topic) => ByTopic.TryRemove(topic, out _);
}

/// <summary>A record and the silo whose grain received it.</summary>
/// <param name="Record">The record.</param>
/// <param name="Silo">The silo address.</param>
public sealed record ReceivedKafkaRecord(KafkaRecord Record, string Silo);
