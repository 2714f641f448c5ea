using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Ingestion;

/// <summary>
/// The silo reading a partition lets go of what it keeps for a key's stream once the key has had no records for
/// <c>Kafka:StreamInactivityPeriod</c>; the key's next record sets it up again, and every record is applied once.
/// </summary>
[Collection(KafkaIngestionDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class StreamInactivityTests(KafkaIngestionFixture fixture)
{
    private const string InactivityPeriod = "00:00:01";

    // Three periods: the agent looks for idle streams ten times a period, so an idle stream is released well within it.
    private static readonly TimeSpan IdleGap = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_key_whose_idle_stream_was_released_applies_its_next_records_once()
    {
        var topic = fixture.CreateTopicWithDeadLetters("inactive");
        var clusterId = "inactive-" + Guid.NewGuid().ToString("N")[..8];
        var key = clusterId + "-key";
        using var registrations = new StreamRegistrations(key);
        var settings = fixture.SiloKafkaSettings(topic, "group-" + clusterId);
        settings["Kafka:StreamInactivityPeriod"] = InactivityPeriod;
        await using var silo = await TestSilo.StartAsync(fixture.Redis.ConnectionString, clusterId, settings);
        var grain = silo.Grains.GetGrain<IHotDataGrain>(key);

        // One record at a time, each applied before the next, with the key left idle for longer than the period in
        // between: its next record finds the stream released and registers it again.
        var produced = 0;
        await Eventually.TrueAsync(async () =>
        {
            await fixture.ProduceAsync(topic, key, """{"n":1}""", (HotDataHeaders.Operation, "incr"));
            produced++;
            await Eventually.TrueAsync(async () => await grain.GetAsync() is { } value && Count(value) == produced, TimeSpan.FromSeconds(30), $"the key to count {produced}");
            if (registrations.Count >= 2)
            {
                return true;
            }

            await Task.Delay(IdleGap);
            return false;
        }, TimeSpan.FromSeconds(90), "the key's stream to be released and registered again");

        var final = await grain.GetAsync();
        Assert.NotNull(final);
        Assert.Equal(produced, Count(final));
        Assert.Equal(produced, final.Version);
    }

    private static long Count(HotDataValue value) => JsonDocument.Parse(value.Json).RootElement.GetProperty("n").GetInt64();

    // Orleans reports each stream its pulling agent registers (on the stream's first record, and again on the first
    // record after the agent let go of it) on its diagnostic listener.
    private sealed class StreamRegistrations : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private const string ListenerName = "Orleans.Streaming";
        private const string StreamRegisteredEvent = "PullingAgentStreamRegistered";
        private readonly string _key;
        private readonly ConcurrentBag<IDisposable> _subscriptions = [];
        private int _count;

        public StreamRegistrations(string key)
        {
            _key = key;
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        public int Count => Volatile.Read(ref _count);

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == ListenerName)
            {
                _subscriptions.Add(value.Subscribe(this, (name, _, _) => name == StreamRegisteredEvent));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == StreamRegisteredEvent
                && value.Value?.GetType().GetField("StreamId")?.GetValue(value.Value) is StreamId streamId
                && streamId.GetKeyAsString() == _key)
            {
                Interlocked.Increment(ref _count);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }
        }
    }
}
