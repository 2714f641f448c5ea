using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks.Baselines;

/// <summary>
/// The tuned baseline: the loop a Kafka-savvy user writes. It drains what librdkafka has already fetched into a batch,
/// writes the whole batch to Redis as one pipeline of <c>HINCRBY</c> commands (one round trip), waits until Redis has
/// confirmed every command, and only then commits the batch's offsets: at-least-once, no per-record round trip.
/// Same broker settings as <see cref="NaiveRedisConsumer"/> and the silos' consumers.
/// </summary>
public sealed class TunedRedisConsumer : IBaselineConsumer
{
    /// <summary>The most records one batch takes: enough to amortise the round trips, small enough to keep a batch's pipeline short.</summary>
    public const int MaxBatchRecords = 5_000;

    private readonly IConsumer<string, string?> _consumer;
    private readonly IDatabase _redis;
    private readonly string _topic;
    private long _applied;
    private long _lastAppliedAt;
    private long _batches;

    /// <param name="bootstrapServers">The broker.</param>
    /// <param name="groupId">The consumer group its offsets are committed to (assign mode: never shared with a subscribing consumer).</param>
    /// <param name="topic">The topic.</param>
    /// <param name="partitions">The partitions this consumer reads, taken with <c>Assign</c> from the group's committed offsets.</param>
    /// <param name="redis">Where to write.</param>
    public TunedRedisConsumer(string bootstrapServers, string groupId, string topic, IReadOnlyList<int> partitions, IDatabase redis)
    {
        _redis = redis;
        _topic = topic;
        _consumer = new ConsumerBuilder<string, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Offsets are committed by the loop, after Redis has confirmed the batch they belong to.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = 10,
            FetchQueueBackoffMs = 0,
        })
            .SetLogHandler(static (_, _) => { })
            .Build();
        _consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Stored)));
    }

    public long Applied => Interlocked.Read(ref _applied);

    public long LastAppliedAt => Interlocked.Read(ref _lastAppliedAt);

    /// <summary>Batches written and committed so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    public Task RunAsync(CancellationToken cancellationToken) => Task.Factory.StartNew(
        () =>
        {
            var batch = new List<ConsumeResult<string, string?>>(MaxBatchRecords);
            var highest = new Dictionary<int, long>();
            while (!cancellationToken.IsCancellationRequested)
            {
                // Wait for the first record, then take what librdkafka has already fetched without waiting again.
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(50));
                while (result is not null)
                {
                    if (result.Message is not null)
                    {
                        batch.Add(result);
                    }

                    result = batch.Count < MaxBatchRecords ? _consumer.Consume(TimeSpan.Zero) : null;
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                WriteBatch(batch);
                Commit(batch, highest);
                Interlocked.Add(ref _applied, batch.Count);
                Interlocked.Exchange(ref _lastAppliedAt, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref _batches);
                batch.Clear();
                highest.Clear();
            }
        },
        cancellationToken,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    /// <summary>Assignment is explicit and immediate: nothing to wait for.</summary>
    public Task WaitForAssignmentAsync(TimeSpan timeout) => Task.CompletedTask;

    /// <summary>Every <c>HINCRBY</c> of the batch in one pipeline; returns when Redis has confirmed them all.</summary>
    private void WriteBatch(List<ConsumeResult<string, string?>> batch)
    {
        var pipeline = _redis.CreateBatch();
        var writes = new List<Task>(batch.Count);
        foreach (var record in batch)
        {
            using var deltas = JsonDocument.Parse(record.Message.Value!);
            foreach (var delta in deltas.RootElement.EnumerateObject())
            {
                writes.Add(pipeline.HashIncrementAsync(record.Message.Key, delta.Name, delta.Value.GetInt64()));
            }
        }

        pipeline.Execute();
        // The loop runs on a thread of its own and has nothing else to do until Redis answers.
        Task.WhenAll(writes).GetAwaiter().GetResult();
    }

    /// <summary>Commits, per partition, the offset after the batch's last record of it.</summary>
    private void Commit(List<ConsumeResult<string, string?>> batch, Dictionary<int, long> highest)
    {
        foreach (var record in batch)
        {
            var partition = record.Partition.Value;
            highest[partition] = Math.Max(highest.GetValueOrDefault(partition, -1), record.Offset.Value);
        }

        _consumer.Commit(highest.Select(h => new TopicPartitionOffset(_topic, h.Key, h.Value + 1)));
    }

    public void Dispose()
    {
        try
        {
            _consumer.Close();
        }
        catch (KafkaException)
        {
        }

        _consumer.Dispose();
    }
}
