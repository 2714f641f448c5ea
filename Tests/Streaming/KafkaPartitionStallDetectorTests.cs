using Orleans.Streaming.Kafka.Providers;

namespace OrleansHotData.Tests.Streaming;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaPartitionStallDetectorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ManualTimeProvider clock = new();

    [Fact]
    public void A_partition_whose_watermark_does_not_move_while_records_wait_stalls_after_the_timeout()
    {
        var detector = new KafkaPartitionStallDetector(Timeout, clock);
        var start = clock.GetUtcNow();
        Assert.Equal(KafkaPartitionStallChange.None, detector.Observe(10, hasWaitingRecords: true));

        clock.Advance(Timeout);
        Assert.Equal(KafkaPartitionStallChange.None, detector.Observe(10, hasWaitingRecords: true));
        Assert.False(detector.IsStalled);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KafkaPartitionStallChange.Stalled, detector.Observe(10, hasWaitingRecords: true));
        Assert.True(detector.IsStalled);
        Assert.Equal(10, detector.StalledOffset);
        Assert.Equal(start, detector.LastProgress);

        // Reported once, not on every look.
        clock.Advance(Timeout);
        Assert.Equal(KafkaPartitionStallChange.None, detector.Observe(10, hasWaitingRecords: true));
        Assert.True(detector.IsStalled);
    }

    [Fact]
    public void A_stalled_partition_recovers_when_its_watermark_moves()
    {
        var detector = new KafkaPartitionStallDetector(Timeout, clock);
        detector.Observe(10, hasWaitingRecords: true);
        clock.Advance(Timeout * 2);
        Assert.Equal(KafkaPartitionStallChange.Stalled, detector.Observe(10, hasWaitingRecords: true));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KafkaPartitionStallChange.Recovered, detector.Observe(11, hasWaitingRecords: true));
        Assert.False(detector.IsStalled);
        Assert.Null(detector.StalledOffset);
        Assert.Equal(clock.GetUtcNow(), detector.LastProgress);

        // The clock starts again from the move.
        clock.Advance(Timeout);
        Assert.Equal(KafkaPartitionStallChange.None, detector.Observe(11, hasWaitingRecords: true));
    }

    [Fact]
    public void An_idle_partition_never_stalls()
    {
        var detector = new KafkaPartitionStallDetector(Timeout, clock);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(KafkaPartitionStallChange.None, detector.Observe(42, hasWaitingRecords: false));
            clock.Advance(Timeout * 3);
        }

        Assert.False(detector.IsStalled);
    }

    [Fact]
    public void A_partition_that_keeps_moving_never_stalls_however_long_its_lag_lasts()
    {
        var detector = new KafkaPartitionStallDetector(Timeout, clock);
        for (var offset = 0L; offset < 100; offset++)
        {
            Assert.Equal(KafkaPartitionStallChange.None, detector.Observe(offset, hasWaitingRecords: true));
            clock.Advance(Timeout - TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public void A_stalled_partition_recovers_when_nothing_waits_any_more()
    {
        var detector = new KafkaPartitionStallDetector(Timeout, clock);
        detector.Observe(null, hasWaitingRecords: true);
        clock.Advance(Timeout * 2);
        Assert.Equal(KafkaPartitionStallChange.Stalled, detector.Observe(null, hasWaitingRecords: true));

        Assert.Equal(KafkaPartitionStallChange.Recovered, detector.Observe(null, hasWaitingRecords: false));
    }
}
