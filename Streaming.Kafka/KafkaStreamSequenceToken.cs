using System.Globalization;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka;

/// <summary>
/// The position of a record in a Kafka partition. Each partition is one Orleans queue, so the offset alone orders
/// the tokens of a queue; the topic and partition are carried so that a token read back on its own still says
/// where it came from. Tokens of different partitions are compared by offset only and carry no meaning relative
/// to each other.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("Orleans.Streaming.Kafka.KafkaStreamSequenceToken")]
public sealed class KafkaStreamSequenceToken : StreamSequenceToken
{
    /// <summary>Creates a token for the record at <paramref name="offset"/> in <paramref name="topic"/>[<paramref name="partition"/>].</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The record offset, used as the sequence number.</param>
    public KafkaStreamSequenceToken(string topic, int partition, long offset)
    {
        ArgumentNullException.ThrowIfNull(topic);
        Topic = topic;
        Partition = partition;
        SequenceNumber = offset;
    }

    /// <summary>The topic the record came from.</summary>
    [Id(0)]
    public string Topic { get; private set; }

    /// <summary>The partition the record came from.</summary>
    [Id(1)]
    public int Partition { get; private set; }

    /// <summary>The record offset.</summary>
    [Id(2)]
    public override long SequenceNumber { get; protected set; }

    /// <summary>Always 0: a batch holds exactly one record.</summary>
    [Id(3)]
    public override int EventIndex { get; protected set; }

    /// <summary>The record offset (same as <see cref="SequenceNumber"/>).</summary>
    public long Offset => SequenceNumber;

    /// <inheritdoc/>
    public override bool Equals(StreamSequenceToken? other) =>
        other is KafkaStreamSequenceToken token
        && token.SequenceNumber == SequenceNumber
        && token.EventIndex == EventIndex
        && token.Partition == Partition
        && string.Equals(token.Topic, Topic, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as StreamSequenceToken);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Topic, Partition, SequenceNumber, EventIndex);

    /// <inheritdoc/>
    public override int CompareTo(StreamSequenceToken? other)
    {
        if (other is null)
        {
            return 1;
        }

        var difference = SequenceNumber.CompareTo(other.SequenceNumber);
        return difference != 0 ? difference : EventIndex.CompareTo(other.EventIndex);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Topic}[{Partition}]@{SequenceNumber}");
}
