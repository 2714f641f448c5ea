using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Commits one partition's offsets, as Orleans' checkpointers do for their queues: it tracks the offsets handed to
/// Orleans, marks those reported delivered (or dead-lettered), and commits the contiguous watermark — the lowest offset
/// not yet done — at most once per commit interval unless forced, and never backwards. Commits are broker round trips,
/// run one at a time in a background slot that other work with the same consumer can queue behind
/// (<see cref="Enqueue"/>), so the consumer is closed only after the last of them. Thread-safe.
/// </summary>
internal sealed partial class KafkaOffsetCommitter
{
    private readonly string providerName;
    private readonly TopicPartition topicPartition;
    private readonly TimeSpan commitInterval;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock sync = new();
    private readonly KafkaOffsetTracker tracker = new();
    private Task slot = Task.CompletedTask;
    private long lastCommitAttempt;
    private long committed = -1;

    public KafkaOffsetCommitter(string providerName, TopicPartition topicPartition, TimeSpan commitInterval, TimeProvider timeProvider, ILogger logger)
    {
        this.providerName = providerName;
        this.topicPartition = topicPartition;
        this.commitInterval = commitInterval;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    /// <summary>The last offset committed by this committer, or <see langword="null"/> before the first commit.</summary>
    public long? Committed
    {
        get
        {
            lock (sync)
            {
                return committed < 0 ? null : committed;
            }
        }
    }

    /// <summary>The offset to commit: the lowest offset not yet done (see <see cref="KafkaOffsetTracker.Watermark"/>).</summary>
    public long? Watermark
    {
        get
        {
            lock (sync)
            {
                return tracker.Watermark;
            }
        }
    }

    /// <summary>One past the highest offset handed out, or <see langword="null"/> before the first record.</summary>
    public long? NextOffset
    {
        get
        {
            lock (sync)
            {
                return tracker.NextOffset;
            }
        }
    }

    /// <summary>How many handed-out records are not yet done.</summary>
    public int PendingCount
    {
        get
        {
            lock (sync)
            {
                return tracker.PendingCount;
            }
        }
    }

    /// <summary>The background slot: completes when the commit or queued work in progress is done.</summary>
    public Task Current
    {
        get
        {
            lock (sync)
            {
                return slot;
            }
        }
    }

    /// <summary>Records that <paramref name="offset"/> was handed out; it holds the watermark until it is done.</summary>
    public void Track(long offset)
    {
        lock (sync)
        {
            tracker.Track(offset);
        }
    }

    /// <summary>Records that <paramref name="offset"/> is done: delivered, or written to the dead-letter topic.</summary>
    public void Complete(long offset)
    {
        lock (sync)
        {
            tracker.Complete(offset);
        }
    }

    /// <summary>Records that every offset in <paramref name="offsets"/> is done.</summary>
    public void Complete(IEnumerable<long> offsets)
    {
        lock (sync)
        {
            foreach (var offset in offsets)
            {
                tracker.Complete(offset);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> with the consumer in the background slot, after what is there now.</summary>
    public Task Enqueue(Action work)
    {
        lock (sync)
        {
            slot = slot.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return slot;
        }
    }

    /// <summary>
    /// Starts committing the watermark through <paramref name="kafka"/> when it moved past the last commit, no commit is
    /// in progress, and the commit interval has passed since the last attempt (or <paramref name="force"/>).
    /// </summary>
    /// <returns>Whether a commit was started.</returns>
    public bool TryStart(IConsumer<byte[]?, byte[]?> kafka, bool force)
    {
        lock (sync)
        {
            if (!slot.IsCompleted || tracker.Watermark is not { } watermark || watermark <= committed)
            {
                return false;
            }

            var now = timeProvider.GetTimestamp();
            if (!force && lastCommitAttempt != 0 && timeProvider.GetElapsedTime(lastCommitAttempt, now) < commitInterval)
            {
                return false;
            }

            lastCommitAttempt = now;
            // Commit is a blocking broker round trip: keep it off the Orleans scheduler, and off the thread pool too,
            // which runs the scheduler's work: a few partitions committing at once against a slow broker would
            // otherwise hold the pool's threads and stall every grain of the silo until the pool grows.
            slot = Task.Factory.StartNew(
                () => Commit(kafka, watermark),
                CancellationToken.None,
                TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Default);
            return true;
        }
    }

    private void Commit(IConsumer<byte[]?, byte[]?> kafka, long offset)
    {
        try
        {
            kafka.Commit([new TopicPartitionOffset(topicPartition, new Offset(offset))]);
            lock (sync)
            {
                committed = Math.Max(committed, offset);
            }

            LogCommitted(providerName, topicPartition.Topic, topicPartition.Partition.Value, offset);
        }
        catch (KafkaException exception)
        {
            // Retried with the next delivery or read; the watermark only moves forward, so nothing is skipped.
            KafkaStreamInstruments.OnCommitFailed(providerName, topicPartition.Topic);
            LogCommitFailed(providerName, topicPartition.Topic, topicPartition.Partition.Value, offset, exception);
        }
    }

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "Kafka stream provider '{Provider}': committed {Topic}[{Partition}] at offset {Offset}")]
    private partial void LogCommitted(string provider, string topic, int partition, long offset);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': committing {Topic}[{Partition}] at offset {Offset} failed; it will be retried")]
    private partial void LogCommitFailed(string provider, string topic, int partition, long offset, Exception exception);
}
