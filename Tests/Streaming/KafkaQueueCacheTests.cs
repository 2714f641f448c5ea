using System.Text;
using Orleans.Streaming.Kafka;
using Orleans.Streaming.Kafka.Providers;
using Orleans.Streams;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// The partition cache on its own, driven as the pulling agent drives it: read a batch with <c>MoveNext</c>, deliver
/// it, ask for the next one; purge before every read.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaQueueCacheTests
{
    private const string Topic = "cache-topic";
    private const string Namespace = "cache-ns";

    private long nextOffset;

    [Fact]
    public void Each_cursor_reads_only_its_streams_records_in_offset_order()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 1);
        var records = Add(cache, "a", "b", "a", "c", "b", "a");

        using var cursorA = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        using var cursorB = cache.GetCacheCursor(Stream("b"), records[0].SequenceToken);

        Assert.Equal([0L, 2, 5], Drain(cursorA));
        Assert.Equal([1L, 4], Drain(cursorB));
    }

    [Fact]
    public void A_batch_is_handed_back_for_purge_only_after_the_cursor_asks_for_the_next_one()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 2);
        var records = Add(cache, "a", "a", "a");
        using var cursor = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);

        // The agent takes a full batch of two and delivers it: the cursor is past both, the delivery has not returned.
        Assert.True(Move(cursor));
        Assert.True(Move(cursor));
        Assert.False(cache.TryPurgeFromCache(out _));

        // It asks for the next batch only once the delivery returned: now the first two may go, the third is in flight.
        Assert.True(Move(cursor));
        Assert.Equal([0L, 1], Purge(cache));
        Assert.False(Move(cursor));
        Assert.False(cache.TryPurgeFromCache(out _));

        // The delivery of the last batch returned; the cursor finds nothing more.
        Assert.False(Move(cursor));
        Assert.Equal([2L], Purge(cache));
        Assert.Equal(0, cache.RecordCount);
    }

    [Fact]
    public void Records_of_other_streams_leave_while_one_streams_delivery_is_held_and_the_held_ones_stay()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 64);
        var records = Add(cache, "held", "x", "held", "y", "x");
        using var held = cache.GetCacheCursor(Stream("held"), records[0].SequenceToken);
        using var x = cache.GetCacheCursor(Stream("x"), records[0].SequenceToken);
        using var y = cache.GetCacheCursor(Stream("y"), records[0].SequenceToken);

        Assert.Equal([0L, 2], Drain(held)); // handed out; its delivery is held open from here on
        Assert.Equal([1L, 4], Drain(x));
        Assert.Equal([3L], Drain(y));
        Assert.False(Move(x)); // x's and y's deliveries returned
        Assert.False(Move(y));

        Assert.Equal([1L, 3, 4], Purge(cache));
        Assert.Equal(2, cache.RecordCount);

        Assert.False(Move(held)); // the held delivery returns at last
        Assert.Equal([0L, 2], Purge(cache));
    }

    [Fact]
    public void A_full_cache_pauses_reading_keeps_its_undelivered_records_and_drains_as_deliveries_return()
    {
        var cache = new KafkaQueueCache(maxRecords: 4, maxBytes: 1 << 20, deliveryBatchSize: 64);
        var records = Add(cache, "held", "a", "a", "a");
        using var held = cache.GetCacheCursor(Stream("held"), records[0].SequenceToken);
        using var a = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        Drain(held);

        Assert.True(cache.IsUnderPressure());
        // Never 0, or the agent would stop before its purge and a full cache would never drain.
        Assert.Equal(1, cache.GetMaxAddCount());
        Assert.False(cache.TryPurgeFromCache(out _));
        Assert.True(cache.IsUnderPressure());
        Assert.Equal(4, cache.RecordCount);

        Drain(a);
        Assert.False(Move(a));
        Assert.Equal([1L, 2, 3], Purge(cache));
        Assert.False(cache.IsUnderPressure());
        Assert.Equal(3, cache.GetMaxAddCount());
        Assert.Equal(1, cache.RecordCount);
    }

    [Fact]
    public void The_byte_bound_pauses_reading_as_the_record_bound_does()
    {
        var cache = new KafkaQueueCache(maxRecords: 1000, maxBytes: 10_000, deliveryBatchSize: 1);
        KafkaBatchContainer[] records = [Container("a", new string('v', 10_000)), Container("a", "{}"), Container("a", "{}")];
        cache.AddToCache(records);
        using var cursor = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);

        Assert.True(cache.ByteCount >= 10_000, $"{cache.ByteCount} bytes held");
        Assert.True(cache.IsUnderPressure());

        Drain(cursor);
        Assert.False(Move(cursor));
        Assert.Equal([0L, 1, 2], Purge(cache));
        Assert.False(cache.IsUnderPressure());
        Assert.Equal(0, cache.ByteCount);
    }

    [Fact]
    public void A_failed_delivery_is_never_handed_back_for_purge_and_the_records_after_it_are()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 2);
        var records = Add(cache, "a", "a", "a");
        using var cursor = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);

        Assert.True(Move(cursor));
        Assert.True(Move(cursor));
        cursor.RecordDeliveryFailure(); // the agent gave up on this batch and moves on
        Assert.True(Move(cursor));
        Assert.Equal(2, Offset(cursor));
        Assert.False(Move(cursor));
        Assert.False(Move(cursor));

        // The failed records leave the cache without being reported delivered: they hold the partition's commit.
        Assert.Equal([2L], Purge(cache));
        Assert.Equal(0, cache.RecordCount);
    }

    [Fact]
    public void A_failed_delivery_is_delivered_again_to_a_cursor_opened_at_its_token_and_still_never_reported_delivered()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 1);
        var records = Add(cache, "a", "a");
        var cursor = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        Assert.True(Move(cursor));
        cursor.RecordDeliveryFailure();

        // The consumer comes back asking for the record it did not get (as a subscription resumed at its token does).
        cursor.Dispose();
        using var again = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        Assert.Equal([0L, 1], Drain(again));
        Assert.False(Move(again));
        // Another consumer of the stream may still have failed it: it keeps holding the commit, to be read again later.
        Assert.Equal([1L], Purge(cache));
    }

    [Fact]
    public void A_record_added_while_its_cursor_waits_is_found_after_refresh()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 64);
        var first = Add(cache, "a");
        using var cursor = cache.GetCacheCursor(Stream("a"), first[0].SequenceToken);
        Assert.Equal([0L], Drain(cursor));
        Assert.False(Move(cursor));
        Assert.Equal([0L], Purge(cache));

        var later = Add(cache, "b", "a");
        cursor.Refresh(later[1].SequenceToken);
        Assert.True(Move(cursor));
        Assert.Equal(2, Offset(cursor));
        Assert.False(cache.TryPurgeFromCache(out var purged) && purged.Any(p => p.StreamId == Stream("a")));
    }

    [Fact]
    public void A_cursor_opened_again_after_the_consumer_went_away_resumes_at_its_token()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 64);
        var records = Add(cache, "a", "a", "a");
        var cursor = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        Assert.True(Move(cursor));
        Assert.False(Move(cursor) && Move(cursor) && Move(cursor));
        Assert.False(Move(cursor)); // all three delivered
        cursor.Dispose();
        Assert.Equal([0L, 1, 2], Purge(cache));

        var more = Add(cache, "a", "a");
        using var resumed = cache.GetCacheCursor(Stream("a"), more[1].SequenceToken);
        Assert.Equal([4L], Drain(resumed));
        // The record before the token is nobody's to deliver any more.
        Assert.Equal([3L], Purge(cache));
    }

    [Fact]
    public void A_cursor_that_never_moved_pins_the_records_from_its_token_on()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 64);
        var records = Add(cache, "a", "a");
        var pin = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        Assert.False(cache.TryPurgeFromCache(out _));

        using var consumer = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        pin.Dispose();
        Assert.False(cache.TryPurgeFromCache(out _));
        Assert.Equal([0L, 1], Drain(consumer));
        Assert.False(Move(consumer));
        Assert.Equal([0L, 1], Purge(cache));
    }

    [Fact]
    public void A_stream_with_no_records_and_no_cursor_is_forgotten()
    {
        var cache = new KafkaQueueCache(maxRecords: 100, maxBytes: 1 << 20, deliveryBatchSize: 64);
        var records = Add(cache, "a", "b");
        var cursor = cache.GetCacheCursor(Stream("a"), records[0].SequenceToken);
        Drain(cursor);
        Assert.False(Move(cursor));
        Assert.Equal([0L, 1], Purge(cache)); // b has no consumer at all
        Assert.Equal(1, cache.StreamCount);

        cursor.Dispose();
        Assert.False(cache.TryPurgeFromCache(out _));
        Assert.Equal(0, cache.StreamCount);
    }

    private List<KafkaBatchContainer> Add(KafkaQueueCache cache, params string[] keys)
    {
        var containers = keys.Select(key => Container(key, "{}")).ToList();
        cache.AddToCache([.. containers]);
        return containers;
    }

    private KafkaBatchContainer Container(string key, string value) => new(
        Stream(key),
        new KafkaRecord { Topic = Topic, Partition = 0, Offset = nextOffset++, Key = key, Value = Encoding.UTF8.GetBytes(value) });

    private static StreamId Stream(string key) => StreamId.Create(Namespace, key);

    // As the pulling agent moves a cursor.
    private static bool Move(IQueueCacheCursor cursor) => cursor.MoveNextWithResult().Kind == QueueCacheCursorMoveResultKind.Success;

    private static long Offset(IQueueCacheCursor cursor) => ((KafkaBatchContainer)cursor.GetCurrent(out _)!).Token.Offset;

    private static List<long> Drain(IQueueCacheCursor cursor)
    {
        var offsets = new List<long>();
        while (Move(cursor))
        {
            offsets.Add(Offset(cursor));
        }

        return offsets;
    }

    private static List<long> Purge(KafkaQueueCache cache)
    {
        Assert.True(cache.TryPurgeFromCache(out var purged));
        return [.. purged.Cast<KafkaBatchContainer>().Select(c => c.Token.Offset).Order()];
    }
}
