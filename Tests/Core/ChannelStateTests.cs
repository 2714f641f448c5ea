using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Tests.Core;

/// <summary>
/// How a near-cache trusts one silo's channel: a subscription is confirmed only by a heartbeat of a later round with
/// every message before it received, within the staleness bound; a gap or a heartbeat left unanswered ends the trust.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ChannelStateTests
{
    private const long Subscribed = 10;
    private const long Round = 3;

    [Fact]
    public void A_heartbeat_of_a_later_round_with_everything_received_confirms_a_subscription()
    {
        var channel = new ChannelState("c", Subscribed);
        var generation = channel.Generation;

        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 0));
        Assert.False(channel.OnHeartbeat(Subscribed, Round, now: 100));
        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 0)); // same round: may predate the subscription
        Assert.False(channel.OnHeartbeat(Subscribed, Round + 1, now: 200));

        Assert.True(channel.Confirms(generation, Subscribed, Round, notBefore: 150));
        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 201)); // confirmed too long ago
    }

    [Fact]
    public void A_heartbeat_ahead_of_what_arrived_confirms_nothing_until_the_messages_arrive()
    {
        var channel = new ChannelState("c", Subscribed);
        var generation = channel.Generation;

        Assert.False(channel.OnHeartbeat(Subscribed + 1, Round + 1, now: 100));
        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 0));

        Assert.False(channel.OnMessage(Subscribed + 1));
        Assert.False(channel.OnHeartbeat(Subscribed + 1, Round + 2, now: 200));
        Assert.True(channel.Confirms(generation, Subscribed, Round, notBefore: 150));
    }

    [Fact]
    public void A_message_announced_by_one_heartbeat_and_still_missing_at_the_next_is_a_loss()
    {
        var channel = new ChannelState("c", Subscribed);
        var generation = channel.Generation;
        Assert.False(channel.OnHeartbeat(Subscribed, Round + 1, now: 100));
        Assert.True(channel.Confirms(generation, Subscribed, Round, notBefore: 0));

        Assert.False(channel.OnHeartbeat(Subscribed + 1, Round + 2, now: 200));
        Assert.True(channel.OnHeartbeat(Subscribed + 1, Round + 3, now: 300));

        Assert.NotEqual(generation, channel.Generation);
        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 0));
        // A subscription made after the loss is confirmed again by the following heartbeats.
        Assert.False(channel.OnHeartbeat(Subscribed + 1, Round + 4, now: 400));
        Assert.True(channel.Confirms(channel.Generation, Subscribed + 1, Round + 3, notBefore: 350));
    }

    [Fact]
    public void Messages_that_overtake_each_other_are_no_loss()
    {
        var channel = new ChannelState("c", Subscribed);
        var generation = channel.Generation;

        Assert.False(channel.OnMessage(Subscribed + 2));
        Assert.False(channel.OnHeartbeat(Subscribed + 2, Round + 1, now: 100));
        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 0)); // Subscribed + 1 is still on its way
        Assert.False(channel.OnMessage(Subscribed + 1));
        Assert.False(channel.OnHeartbeat(Subscribed + 2, Round + 2, now: 200));

        Assert.Equal(generation, channel.Generation);
        Assert.True(channel.Confirms(generation, Subscribed, Round, notBefore: 150));
    }

    [Fact]
    public void A_gap_still_open_at_the_heartbeat_after_the_one_that_announced_it_ends_the_trust_in_what_came_before()
    {
        var channel = new ChannelState("c", Subscribed);
        var before = channel.Generation;
        Assert.False(channel.OnMessage(Subscribed + 1));
        Assert.False(channel.OnMessage(Subscribed + 3)); // Subscribed + 2 never comes

        Assert.False(channel.OnHeartbeat(Subscribed + 3, Round + 1, now: 100));
        Assert.True(channel.OnHeartbeat(Subscribed + 3, Round + 2, now: 200));
        Assert.False(channel.OnHeartbeat(Subscribed + 3, Round + 3, now: 300));

        Assert.NotEqual(before, channel.Generation);
        Assert.False(channel.Confirms(before, Subscribed, Round, notBefore: 0));
        Assert.False(channel.Confirms(channel.Generation, Subscribed, Round, notBefore: 0)); // from before the run began
        Assert.True(channel.Confirms(channel.Generation, Subscribed + 3, Round + 2, notBefore: 250));
    }

    [Fact]
    public void Late_and_repeated_messages_change_nothing()
    {
        var channel = new ChannelState("c", Subscribed);
        var generation = channel.Generation;
        Assert.False(channel.OnMessage(Subscribed + 1));

        Assert.False(channel.OnMessage(Subscribed + 1));
        Assert.False(channel.OnMessage(Subscribed - 4));
        Assert.False(channel.OnHeartbeat(Subscribed + 1, Round + 1, now: 100));

        Assert.Equal(generation, channel.Generation);
        Assert.True(channel.Confirms(generation, Subscribed, Round, notBefore: 0));
    }

    [Fact]
    public void A_dropped_connection_ends_the_trust_in_everything_the_channel_confirmed()
    {
        var channel = new ChannelState("c", Subscribed);
        var generation = channel.Generation;
        Assert.False(channel.OnHeartbeat(Subscribed, Round + 1, now: 100));
        Assert.True(channel.Confirms(generation, Subscribed, Round, notBefore: 0));

        channel.Drop();

        Assert.False(channel.Confirms(generation, Subscribed, Round, notBefore: 0));
    }
}
