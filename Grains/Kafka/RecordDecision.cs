namespace OrleansHotData.Grains.Kafka;

/// <summary>What a Kafka record asks of its key's grain: a change to apply, or the reason it cannot be applied.</summary>
/// <param name="Change">The change, when the record is well-formed.</param>
/// <param name="DeadLetterReason">Why the record goes to the dead-letter topic, when it is not.</param>
/// <param name="UpstreamVersion">
/// The record's upstream version, when it carries a readable one: a dead-lettered record's counts too, so an older
/// record that arrives after it is stale.
/// </param>
public readonly record struct RecordDecision(HotDataChange? Change, string? DeadLetterReason, long? UpstreamVersion = null)
{
    public static RecordDecision Apply(HotDataChange change) => new(change, null, change.UpstreamVersion);

    public static RecordDecision DeadLetter(string reason, long? upstreamVersion = null) => new(null, reason, upstreamVersion);
}
