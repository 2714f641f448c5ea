namespace OrleansHotData;

/// <summary>The Kafka record headers of the hot-data wire contract.</summary>
public static class HotDataHeaders
{
    /// <summary>The operation: <c>set</c>, <c>patch</c>, <c>incr</c> or <c>delete</c>. Absent: set, or delete for a null value.</summary>
    public const string Operation = "hotdata-op";

    /// <summary>An upstream version (a whole number): a record whose version is not newer than the applied one is skipped as stale.</summary>
    public const string Version = "hotdata-version";

    /// <summary>A time to live in whole seconds for the resulting value.</summary>
    public const string Ttl = "hotdata-ttl";
}
