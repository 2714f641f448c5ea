using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks.Baselines;

/// <summary>
/// The baseline: the consumer a reader of the classic "Kafka consumer writes into Redis" article writes. A Confluent
/// consumer loop that writes each record into Redis with StackExchange.Redis and lets the client auto-commit offsets.
/// It gets the same fast-fetch settings as the silos' consumers, so both pay the same for the broker.
/// </summary>
public sealed class NaiveRedisConsumer : IBaselineConsumer
{
    private readonly IConsumer<string, string?> _consumer;
    private readonly IDatabase _redis;
    private readonly BaselineWrite _write;
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _applied;
    private long _lastAppliedAt;

    /// <param name="bootstrapServers">The broker.</param>
    /// <param name="groupId">The consumer group.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="partitions">The partitions to take with <c>Assign</c>; <see langword="null"/> to <c>Subscribe</c> as the article does.</param>
    /// <param name="redis">Where to write.</param>
    /// <param name="write">How to write.</param>
    public NaiveRedisConsumer(string bootstrapServers, string groupId, string topic, IReadOnlyList<int>? partitions, IDatabase redis, BaselineWrite write)
    {
        _redis = redis;
        _write = write;
        _consumer = new ConsumerBuilder<string, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            FetchWaitMaxMs = 10,
            FetchQueueBackoffMs = 0,
        })
            .SetLogHandler(static (_, _) => { })
            .SetPartitionsAssignedHandler((_, _) => _assigned.TrySetResult())
            .Build();
        if (partitions is null)
        {
            _consumer.Subscribe(topic);
        }
        else
        {
            _consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            _assigned.TrySetResult();
        }
    }

    /// <summary>Records written to Redis so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>The stopwatch timestamp of the last write.</summary>
    public long LastAppliedAt => Interlocked.Read(ref _lastAppliedAt);

    /// <summary>Starts the consume loop on a thread of its own; it runs until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.Factory.StartNew(
        () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result?.Message is null)
                {
                    continue;
                }

                Apply(result.Message);
                Interlocked.Increment(ref _applied);
                Interlocked.Exchange(ref _lastAppliedAt, Stopwatch.GetTimestamp());
            }
        },
        cancellationToken,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    /// <summary>
    /// Waits until the consumer has its partitions, so that the group join is not part of a measurement. A subscribing
    /// consumer gets them inside <c>Consume</c>: start <see cref="RunAsync"/> first.
    /// </summary>
    public Task WaitForAssignmentAsync(TimeSpan timeout) => _assigned.Task.WaitAsync(timeout);

    private void Apply(Message<string, string?> message)
    {
        switch (_write)
        {
            case BaselineWrite.HashIncrement:
                using (var deltas = JsonDocument.Parse(message.Value!))
                {
                    foreach (var delta in deltas.RootElement.EnumerateObject())
                    {
                        _redis.HashIncrement(message.Key, delta.Name, delta.Value.GetInt64());
                    }
                }

                break;
            case BaselineWrite.StringSet:
                _redis.StringSet(message.Key, message.Value);
                break;
            case BaselineWrite.JsonReadModifyWrite:
                JsonReadModifyWrite.Increment(_redis, message.Key, message.Value!);
                break;
        }
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
