using OrleansHotData.Benchmarks.Workloads;

namespace OrleansHotData.Tests.Bench;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChangeSightingsTests
{
    private static readonly double TicksPerMs = System.Diagnostics.Stopwatch.Frequency / 1000.0;

    [Fact]
    public void Only_the_first_sighting_of_a_change_counts_and_its_latency_is_read_minus_send_time()
    {
        var sightings = new ChangeSightings(keys: 2, changes: 10);

        Assert.True(sightings.Observe(change: 0, sentAt: 1_000, readAt: 1_000 + (long)(5 * TicksPerMs)));
        Assert.False(sightings.Observe(change: 0, sentAt: 1_000, readAt: 1_000 + (long)(9 * TicksPerMs)));
        Assert.True(sightings.Observe(change: 1, sentAt: 2_000, readAt: 2_000 + (long)(7 * TicksPerMs)));

        Assert.Equal(2, sightings.Seen);
        Assert.Equal(0, sightings.Skipped);
        var latencies = sightings.LatenciesMs();
        Assert.Equal(2, latencies.Length);
        Assert.Equal(5, latencies[0], precision: 3);
        Assert.Equal(7, latencies[1], precision: 3);
    }

    [Fact]
    public void A_change_overwritten_before_anyone_read_it_is_skipped_and_older_values_are_ignored()
    {
        var sightings = new ChangeSightings(keys: 10, changes: 40);

        // Key 3 gets changes 3, 13, 23, 33: a reader sees 13 first (3 was never seen), then 33 (23 was never seen).
        Assert.True(sightings.Observe(13, 0, 1));
        Assert.True(sightings.Observe(33, 0, 1));
        Assert.False(sightings.Observe(23, 0, 1));

        Assert.Equal(2, sightings.Seen);
        Assert.Equal(2, sightings.Skipped);
        Assert.Equal(33, sightings.Newest(3));
    }

    [Fact]
    public void Values_from_before_the_measurement_are_not_changes()
    {
        var sightings = new ChangeSightings(keys: 4, changes: 4);

        Assert.False(sightings.Observe(-1, 0, 1));

        Assert.Equal(0, sightings.Seen);
        Assert.Equal(-1, sightings.Newest(0));
    }

    [Fact]
    public void All_seen_once_every_key_shows_its_last_change()
    {
        var sightings = new ChangeSightings(keys: 3, changes: 7);

        // Changes 0..6: the last of key 0 is 6, of key 1 is 4, of key 2 is 5.
        sightings.Observe(6, 0, 1);
        sightings.Observe(4, 0, 1);
        Assert.False(sightings.AllSeen(total: 7));

        sightings.Observe(5, 0, 1);
        Assert.True(sightings.AllSeen(total: 7));
        Assert.Equal(7 - 3, sightings.Skipped);
    }

    [Fact]
    public void Concurrent_readers_of_the_same_change_record_it_once()
    {
        var sightings = new ChangeSightings(keys: 5, changes: 10_000);

        Parallel.For(0, 8, _ =>
        {
            for (var change = 0L; change < 10_000; change++)
            {
                sightings.Observe(change, 0, 1);
            }
        });

        Assert.Equal(10_000, sightings.Seen + sightings.Skipped);
        Assert.True(sightings.AllSeen(10_000));
    }

    [Fact]
    public void A_change_overwritten_unseen_counts_in_the_latencies_as_seen_when_its_successor_was()
    {
        var sightings = new ChangeSightings(keys: 1, changes: 3);
        sightings.Sent(0, at: 1_000);
        sightings.Sent(1, at: 1_000 + (long)(100 * TicksPerMs));

        // Change 1 is read 10 ms after it was sent; change 0 was overwritten unseen: 110 ms, an upper bound.
        sightings.Observe(change: 1, sentAt: 1_000 + (long)(100 * TicksPerMs), readAt: 1_000 + (long)(110 * TicksPerMs));

        Assert.Equal(1, sightings.Seen);
        Assert.Equal(1, sightings.Skipped);
        var latencies = sightings.LatenciesMs();
        Assert.Equal(2, latencies.Length);
        Assert.Equal(10, latencies[0], precision: 3);
        Assert.Equal(110, latencies[1], precision: 3);
    }

    [Fact]
    public void Acknowledged_to_seen_is_what_the_reader_waited_beyond_the_write_and_zero_when_the_push_beat_the_answer()
    {
        var sightings = new ChangeSightings(keys: 2, changes: 2);
        sightings.Sent(0, at: 1_000);
        sightings.Sent(1, at: 1_000);
        sightings.Acknowledged(0, at: 1_000 + (long)(40 * TicksPerMs));
        sightings.Acknowledged(1, at: 1_000 + (long)(90 * TicksPerMs));

        sightings.Observe(0, sentAt: 1_000, readAt: 1_000 + (long)(45 * TicksPerMs));
        sightings.Observe(1, sentAt: 1_000, readAt: 1_000 + (long)(60 * TicksPerMs));

        var acknowledged = sightings.AcknowledgedLatenciesMs();
        Assert.Equal(0, acknowledged[0], precision: 3);
        Assert.Equal(5, acknowledged[1], precision: 3);
        Assert.Equal([45, 60], sightings.LatenciesMs().Select(l => Math.Round(l, 3)));
    }
}
