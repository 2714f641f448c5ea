using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// One Kafka record on its way to the consumers of its stream. A container holds exactly one record so that each
/// record is acknowledged on its own.
/// </summary>
[GenerateSerializer]
[Alias("Orleans.Streaming.Kafka.KafkaBatchContainer")]
internal sealed class KafkaBatchContainer : IBatchContainer
{
    [NonSerialized]
    private int deliveryAttempts;

    public KafkaBatchContainer(StreamId streamId, KafkaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        StreamId = streamId;
        Record = record;
        Token = new KafkaStreamSequenceToken(record.Topic, record.Partition, record.Offset);
    }

    [Id(0)]
    public StreamId StreamId { get; }

    [Id(1)]
    public KafkaRecord Record { get; }

    [Id(2)]
    public KafkaStreamSequenceToken Token { get; }

    public StreamSequenceToken SequenceToken => Token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Record is T typed ? [Tuple.Create<T, StreamSequenceToken>(typed, Token)] : [];

    /// <summary>
    /// How many times the pulling agent of this silo started delivering this record to a consumer, counted on the
    /// instance its cache holds (a serialized copy starts from zero): more than one means its delivery is being retried.
    /// </summary>
    public int DeliveryAttempts => Volatile.Read(ref deliveryAttempts);

    // Records come from arbitrary producers and carry no Orleans request context. The pulling agent calls this on the
    // first record of a batch before every attempt to deliver it, which is the one place a provider sees retries.
    public bool ImportRequestContext()
    {
        Interlocked.Increment(ref deliveryAttempts);
        return false;
    }

    public override string ToString() => $"[{nameof(KafkaBatchContainer)}: {StreamId} {Token}]";
}
