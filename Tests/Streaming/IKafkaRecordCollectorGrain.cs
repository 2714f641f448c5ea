namespace OrleansHotData.Tests.Streaming;

/// <summary>A grain that records the Kafka records of the stream with its key.</summary>
public interface IKafkaRecordCollectorGrain : IGrainWithStringKey
{
    /// <summary>Activates the grain (and so its subscription) without waiting for a record.</summary>
    Task ActivateAsync();
}
