namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// A change of a key was refused because its changelog outbox is full: Kafka has not acknowledged the key's last
/// <see cref="ChangelogOptions.MaxOutboxEntries"/> changes (the broker is down or refuses them). Nothing was applied;
/// the change succeeds once Kafka catches up. Counts as an infrastructure failure: an API write answers 503, a Kafka
/// record is delivered again.
/// </summary>
[GenerateSerializer]
public sealed class ChangelogOutboxFullException : Exception
{
    public ChangelogOutboxFullException()
    {
    }

    public ChangelogOutboxFullException(string message)
        : base(message)
    {
    }

    public ChangelogOutboxFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
