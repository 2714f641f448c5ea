using OrleansHotData.Grains.Changelog;

namespace OrleansHotData.Tests.Changelog;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChangelogOutboxTests
{
    private static ChangelogEntry Entry(long version) =>
        new(version, $"{version}", HotDataChangeSource.Api, DateTimeOffset.UnixEpoch.AddSeconds(version), null, null);

    [Fact]
    public void Acknowledged_changes_are_left_out_of_the_next_write_and_the_rest_kept_in_order()
    {
        var outbox = new ChangelogOutbox("k");
        ChangelogEntry[] stored = [Entry(1), Entry(2), Entry(3), Entry(4)];
        Array.ForEach(stored, outbox.Sending);

        outbox.Delivered(1, acknowledged: true);
        outbox.Delivered(3, acknowledged: true);
        outbox.Delivered(2, acknowledged: false);

        Assert.Equal([Entry(2), Entry(4)], outbox.Unacknowledged(stored));
    }

    [Fact]
    public void A_waiter_for_room_wakes_on_an_acknowledgement_and_not_on_a_refusal()
    {
        var outbox = new ChangelogOutbox("k");
        Array.ForEach([Entry(1), Entry(2)], outbox.Sending);
        var next = outbox.NextAcknowledgement();
        Assert.Same(next, outbox.NextAcknowledgement());

        outbox.Delivered(1, acknowledged: false);
        Assert.False(next.IsCompleted);

        outbox.Delivered(2, acknowledged: true);
        Assert.True(next.IsCompletedSuccessfully);
        Assert.False(outbox.NextAcknowledgement().IsCompleted);
    }

    [Fact]
    public void Nothing_acknowledged_keeps_the_stored_outbox_as_it_is()
    {
        var outbox = new ChangelogOutbox("k");
        ChangelogEntry[] stored = [Entry(1), Entry(2)];
        Array.ForEach(stored, outbox.Sending);

        Assert.Same(stored, outbox.Unacknowledged(stored));
        Assert.Empty(outbox.Unacknowledged(null));
    }

    [Fact]
    public void A_refused_change_is_queued_once_and_taken_for_a_retry_oldest_first()
    {
        var outbox = new ChangelogOutbox("k");
        Array.ForEach([Entry(1), Entry(2), Entry(3)], outbox.Sending);

        Assert.True(outbox.Delivered(3, acknowledged: false));
        Assert.False(outbox.Delivered(1, acknowledged: false));
        outbox.Delivered(2, acknowledged: true);

        Assert.Equal([Entry(1), Entry(3)], outbox.TakeRefused());
        Assert.Empty(outbox.TakeRefused());
        outbox.Sending(Entry(1));
        Assert.True(outbox.Delivered(1, acknowledged: false));
    }

    [Fact]
    public void A_version_once_acknowledged_stays_acknowledged_when_a_duplicate_send_fails()
    {
        var outbox = new ChangelogOutbox("k");
        outbox.Sending(Entry(1));
        outbox.Delivered(1, acknowledged: true);
        outbox.Sending(Entry(1));

        Assert.False(outbox.Delivered(1, acknowledged: false));
        Assert.Empty(outbox.Unacknowledged([Entry(1)]));
    }

    [Fact]
    public void A_stored_outbox_left_by_an_earlier_activation_is_sent_whole_and_only_once()
    {
        var outbox = new ChangelogOutbox("k");
        ChangelogEntry[] stored = [Entry(7), Entry(8)];

        var first = outbox.NotSent(stored);
        Array.ForEach([.. first], outbox.Sending);

        Assert.Equal(stored, first);
        Assert.Empty(outbox.NotSent(stored));
    }

    [Fact]
    public void Acknowledgements_older_than_the_stored_outbox_are_forgotten()
    {
        var outbox = new ChangelogOutbox("k");
        Array.ForEach([Entry(1), Entry(2), Entry(3)], outbox.Sending);
        outbox.Delivered(1, acknowledged: true);
        outbox.Delivered(3, acknowledged: true);

        outbox.Stored([Entry(2), Entry(3)]);

        // 1 is forgotten: a stored outbox naming it again (an older state) would keep it.
        Assert.Equal([Entry(1), Entry(2)], outbox.Unacknowledged([Entry(1), Entry(2), Entry(3)]));
    }
}
