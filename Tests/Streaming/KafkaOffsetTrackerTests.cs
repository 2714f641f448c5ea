using Orleans.Streaming.Kafka.Providers;

namespace OrleansHotData.Tests.Streaming;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaOffsetTrackerTests
{
    [Fact]
    public void Nothing_to_commit_before_the_first_record()
    {
        var tracker = new KafkaOffsetTracker();

        Assert.Null(tracker.Watermark);
    }

    [Fact]
    public void Watermark_is_the_lowest_offset_not_yet_delivered()
    {
        var tracker = new KafkaOffsetTracker();
        foreach (var offset in new long[] { 10, 11, 12, 13 })
        {
            tracker.Track(offset);
        }

        Assert.Equal(10, tracker.Watermark);
        tracker.Complete(11);
        tracker.Complete(13);
        Assert.Equal(10, tracker.Watermark);
        tracker.Complete(10);
        Assert.Equal(12, tracker.Watermark);
        tracker.Complete(12);
        Assert.Equal(14, tracker.Watermark);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public void A_record_never_delivered_holds_the_watermark_however_far_reading_goes()
    {
        var tracker = new KafkaOffsetTracker();
        for (long offset = 0; offset < 1000; offset++)
        {
            tracker.Track(offset);
            if (offset != 7)
            {
                tracker.Complete(offset);
            }
        }

        Assert.Equal(7, tracker.Watermark);
        Assert.Equal(1000, tracker.NextOffset);
        Assert.Equal(1, tracker.PendingCount);
    }

    [Fact]
    public void Gaps_in_offsets_do_not_hold_the_watermark()
    {
        var tracker = new KafkaOffsetTracker();
        tracker.Track(3);
        tracker.Track(8);
        tracker.Complete(3);
        tracker.Complete(8);

        Assert.Equal(9, tracker.Watermark);
    }
}
