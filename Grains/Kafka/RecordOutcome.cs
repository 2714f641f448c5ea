namespace OrleansHotData.Grains.Kafka;

/// <summary>What becomes of one Kafka record at its key's grain.</summary>
public enum RecordOutcome
{
    /// <summary>Its position was handled already (a redelivery): nothing changes, not even the position.</summary>
    Duplicate = 0,

    /// <summary>The change is applied: the value and version change, the position is recorded.</summary>
    Applied = 1,

    /// <summary>Its upstream version is not newer than the key's: skipped, the position is recorded.</summary>
    Stale = 2,

    /// <summary>A delete of a key that has no value: nothing to change but the position and upstream version.</summary>
    AlreadyAbsent = 3,

    /// <summary>It cannot be applied: it goes to the dead-letter topic, then its position and upstream version are recorded.</summary>
    DeadLetter = 4,
}
