namespace OrleansHotData.Tests.Kafka;

/// <summary>Kafka protocol request types, for <c>EmbeddedKafkaCluster.PushRequestErrors</c>.</summary>
public static class ApiKey
{
    /// <summary>ProduceRequest.</summary>
    public const short Produce = 0;

    /// <summary>FetchRequest.</summary>
    public const short Fetch = 1;

    /// <summary>OffsetCommitRequest.</summary>
    public const short OffsetCommit = 8;

    /// <summary>OffsetFetchRequest.</summary>
    public const short OffsetFetch = 9;
}
