namespace OrleansHotData;

/// <summary>The kinds of change a key accepts.</summary>
public enum ChangeOperation
{
    /// <summary>Replace the value with a JSON document.</summary>
    Set = 0,

    /// <summary>Apply a JSON Merge Patch (RFC 7396) to the value.</summary>
    Patch = 1,

    /// <summary>Add numeric deltas to fields: a JSON object of field → number, nested objects for nested fields.</summary>
    Increment = 2,

    /// <summary>Remove the value.</summary>
    Delete = 3,
}
