using System.Text;
using Orleans.Streaming.Kafka;
using Orleans.Streaming.Kafka.Providers;

namespace OrleansHotData.Tests.Streaming;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaStreamSequenceTokenTests
{
    private static KafkaRecord Record(long offset) => new()
    {
        Topic = "orders",
        Partition = 3,
        Offset = offset,
        Key = "order-1",
        Value = Encoding.UTF8.GetBytes("{\"total\":5}"),
        Headers = [new KafkaHeader("op", Encoding.UTF8.GetBytes("set")), new KafkaHeader("op", Encoding.UTF8.GetBytes("patch"))],
    };

    [Fact]
    public void Tokens_are_ordered_by_offset()
    {
        var earlier = new KafkaStreamSequenceToken("orders", 3, 41);
        var later = new KafkaStreamSequenceToken("orders", 3, 42);

        Assert.True(earlier.CompareTo(later) < 0);
        Assert.True(later.CompareTo(earlier) > 0);
        Assert.Equal(new KafkaStreamSequenceToken("orders", 3, 42), later);
        Assert.Equal(42, later.SequenceNumber);
        Assert.Equal(0, later.EventIndex);
    }

    [Fact]
    public void A_batch_yields_its_record_to_KafkaRecord_and_object_consumers_only()
    {
        var record = Record(42);
        var batch = new KafkaBatchContainer(StreamId.Create("order-changes", record.Key), record);

        var asRecord = Assert.Single(batch.GetEvents<KafkaRecord>());
        Assert.Same(record, asRecord.Item1);
        Assert.Equal(new KafkaStreamSequenceToken("orders", 3, 42), asRecord.Item2);
        Assert.Same(record, Assert.Single(batch.GetEvents<object>()).Item1);
        Assert.Empty(batch.GetEvents<string>());
        Assert.False(batch.ImportRequestContext());
    }

    [Fact]
    public void Headers_keep_order_and_duplicates_and_the_last_one_wins_when_read_by_name()
    {
        var record = Record(1);

        Assert.Equal(["op", "op"], record.Headers.Select(h => h.Name));
        Assert.Equal("patch", record.GetHeaderAsString("op"));
        Assert.Null(record.GetHeaderAsString("missing"));
        Assert.Equal("{\"total\":5}", record.GetValueAsString());
    }
}
