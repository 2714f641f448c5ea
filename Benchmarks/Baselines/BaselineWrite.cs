namespace OrleansHotData.Benchmarks.Baselines;

/// <summary>How the baseline consumer writes a record into Redis.</summary>
public enum BaselineWrite
{
    /// <summary>An increment record's deltas as <c>HINCRBY key field delta</c>, one command per field.</summary>
    HashIncrement,

    /// <summary>The record's value as <c>SET key value</c>.</summary>
    StringSet,

    /// <summary>An increment record as GET, add the deltas to the JSON document, SET: the naive read-modify-write.</summary>
    JsonReadModifyWrite,
}
