namespace OrleansHotData;

/// <summary>How long watch subscriptions live: a subscriber renews well within the lease, and a grain forgets one that did not.</summary>
public static class HotDataWatch
{
    /// <summary>How long a grain keeps a subscription that was not renewed.</summary>
    public static readonly TimeSpan SubscriptionLease = TimeSpan.FromMinutes(2);

    /// <summary>How often a subscriber renews its subscriptions (and catches up on anything it missed).</summary>
    public static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(30);
}
