namespace OrleansHotData.Grains.Kafka;

/// <summary>What a Kafka record asks of its key's grain: a change to apply, or the reason it cannot be applied.</summary>
/// <param name="Change">The change, when the record is well-formed.</param>
/// <param name="DeadLetterReason">Why the record goes to the dead-letter topic, when it is not.</param>
public readonly record struct RecordDecision(HotDataChange? Change, string? DeadLetterReason)
{
    public static RecordDecision Apply(HotDataChange change) => new(change, null);

    public static RecordDecision DeadLetter(string reason) => new(null, reason);
}
