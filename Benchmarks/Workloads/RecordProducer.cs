using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>Produces the benchmark's records: as fast as the client goes, or at a fixed rate.</summary>
public sealed class RecordProducer : IDisposable
{
    private const string OperationHeader = "hotdata-op";
    private readonly IProducer<string, string?> _producer;
    private long _failed;

    public RecordProducer(string bootstrapServers, int lingerMs)
    {
        _producer = new ProducerBuilder<string, string?>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "hotdata-bench",
            Acks = Acks.All,
            LingerMs = lingerMs,
            QueueBufferingMaxMessages = 1_000_000,
            // Like the silos' producer and Kafka's Java client.
            Partitioner = Partitioner.Murmur2Random,
        }).SetLogHandler(static (_, _) => { }).Build();
    }

    /// <summary>Records whose delivery failed; a run with failures is not valid.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Enqueues one record (waiting while the client's queue is full).</summary>
    public void Produce(string topic, string key, string? value, string? operation)
    {
        var message = new Message<string, string?> { Key = key, Value = value };
        if (operation is not null)
        {
            message.Headers = [new Header(OperationHeader, Encoding.UTF8.GetBytes(operation))];
        }

        while (true)
        {
            try
            {
                _producer.Produce(topic, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref _failed);
                    }
                });
                return;
            }
            catch (ProduceException<string, string?> ex) when (ex.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    /// <summary>Waits until every enqueued record is acknowledged by the broker.</summary>
    public void Flush(CancellationToken cancellationToken) => _producer.Flush(cancellationToken);

    /// <summary>
    /// Produces <paramref name="count"/> records at <paramref name="perSecond"/> on a thread of its own;
    /// <paramref name="produce"/> gets the record's sequence number and enqueues it.
    /// </summary>
    public static Task AtRateAsync(int perSecond, long count, Action<long> produce, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () =>
            {
                var started = Stopwatch.GetTimestamp();
                long sent = 0;
                while (sent < count && !cancellationToken.IsCancellationRequested)
                {
                    var due = Math.Min(count, (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * perSecond));
                    while (sent < due)
                    {
                        produce(sent++);
                    }

                    Thread.Sleep(1);
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
