namespace OrleansHotData.Tests.Streaming;

/// <summary>Names shared by the stream tests, their grain and their clusters.</summary>
public static class KafkaStreamTestConstants
{
    /// <summary>The stream provider name every test cluster uses.</summary>
    public const string ProviderName = "kafka";

    /// <summary>The stream namespace the test topics map to and the collector grain subscribes to.</summary>
    public const string StreamNamespace = "kafka-test";
}
