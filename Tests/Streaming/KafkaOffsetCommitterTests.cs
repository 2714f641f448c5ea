using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Streaming.Kafka.Providers;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// The committer alone, against the embedded broker: what it commits is read back from the broker, as the next reader
/// of the partition would see it.
/// </summary>
[Collection(SharedEmbeddedKafka.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaOffsetCommitterTests(EmbeddedKafkaFixture kafka)
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Commits_the_contiguous_watermark_never_past_a_record_not_yet_done()
    {
        using var partition = Partition("committer-watermark");
        var (committer, _) = partition.Committer();
        foreach (var offset in new long[] { 0, 1, 2, 3, 4 })
        {
            committer.Track(offset);
        }

        committer.Complete([0, 1, 3]);
        Assert.True(committer.TryStart(partition.Consumer, force: true));
        await committer.Current.WaitAsync(Patience);

        Assert.Equal(2, committer.Committed);
        Assert.Equal(2, partition.CommittedOnBroker());

        // Record 2 done: the watermark jumps over the finished 3 to the pending 4.
        committer.Complete(2);
        Assert.True(committer.TryStart(partition.Consumer, force: true));
        await committer.Current.WaitAsync(Patience);
        Assert.Equal(4, partition.CommittedOnBroker());

        committer.Complete(4);
        Assert.True(committer.TryStart(partition.Consumer, force: true));
        await committer.Current.WaitAsync(Patience);
        Assert.Equal(5, partition.CommittedOnBroker());
        Assert.Equal(0, committer.PendingCount);
    }

    [Fact]
    public async Task Commits_at_most_once_per_interval_unless_forced()
    {
        using var partition = Partition("committer-throttle");
        var (committer, time) = partition.Committer();
        committer.Track(0);
        committer.Track(1);
        committer.Complete(0);
        Assert.True(committer.TryStart(partition.Consumer, force: false));
        await committer.Current.WaitAsync(Patience);
        Assert.Equal(1, partition.CommittedOnBroker());

        committer.Complete(1);
        time.Advance(CommitInterval - TimeSpan.FromSeconds(1));
        Assert.False(committer.TryStart(partition.Consumer, force: false));
        Assert.Equal(1, partition.CommittedOnBroker());

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(committer.TryStart(partition.Consumer, force: false));
        await committer.Current.WaitAsync(Patience);
        Assert.Equal(2, partition.CommittedOnBroker());
    }

    [Fact]
    public async Task Nothing_is_committed_before_the_first_record_nor_twice_at_the_same_watermark()
    {
        using var partition = Partition("committer-idle");
        var (committer, _) = partition.Committer();

        Assert.False(committer.TryStart(partition.Consumer, force: true));
        Assert.Null(committer.Committed);

        committer.Track(0);
        committer.Complete(0);
        Assert.True(committer.TryStart(partition.Consumer, force: true));
        await committer.Current.WaitAsync(Patience);
        Assert.False(committer.TryStart(partition.Consumer, force: true));
        Assert.Equal(1, partition.CommittedOnBroker());
    }

    [Fact]
    public async Task Work_queued_behind_a_commit_runs_after_it()
    {
        using var partition = Partition("committer-slot");
        var (committer, _) = partition.Committer();
        committer.Track(0);
        committer.Complete(0);
        Assert.True(committer.TryStart(partition.Consumer, force: true));
        long? seenByQueuedWork = null;

        await committer.Enqueue(() => seenByQueuedWork = partition.CommittedOnBroker()).WaitAsync(Patience);

        Assert.Equal(1, seenByQueuedWork);
    }

    private TestPartition Partition(string prefix)
    {
        var topic = kafka.CreateTopic(prefix);
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.ConsumerConfig(EmbeddedKafkaFixture.UniqueTopicName(prefix))).Build();
        var topicPartition = new TopicPartition(topic, new Partition(0));
        consumer.Assign(new TopicPartitionOffset(topicPartition, Offset.Stored));
        return new TestPartition(consumer, topicPartition);
    }

    private sealed class TestPartition(IConsumer<byte[]?, byte[]?> consumer, TopicPartition topicPartition) : IDisposable
    {
        public IConsumer<byte[]?, byte[]?> Consumer => consumer;

        public (KafkaOffsetCommitter Committer, ManualTimeProvider Time) Committer()
        {
            var time = new ManualTimeProvider();
            return (new KafkaOffsetCommitter("test", topicPartition, CommitInterval, time, NullLogger.Instance), time);
        }

        /// <summary>The group's committed offset as the broker has it, or <see langword="null"/> for none.</summary>
        public long? CommittedOnBroker()
        {
            var offset = consumer.Committed([topicPartition], Patience).Single().Offset;
            return offset.IsSpecial ? null : offset.Value;
        }

        public void Dispose()
        {
            consumer.Close();
            consumer.Dispose();
        }
    }
}
