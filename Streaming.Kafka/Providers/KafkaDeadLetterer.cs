using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Sets aside the records of one partition that cannot go to a stream (no usable key): writes each to the dead-letter
/// topic in the background, retrying every second until it is written or <see cref="Stop"/> is called, and reports each
/// written record's offset, so that only a written record lets the partition's commits pass it. Thread-safe.
/// </summary>
internal sealed partial class KafkaDeadLetterer : IDisposable
{
    /// <summary>How long a failed write waits before it is tried again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly string providerName;
    private readonly Func<ConsumeResult<byte[]?, byte[]?>, string, CancellationToken, Task> publish;
    private readonly Action<long> written;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock sync = new();
    private readonly List<Task> inFlight = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationToken stoppingToken;

    /// <param name="providerName">The stream provider, for logs.</param>
    /// <param name="publish">Writes one record to its dead-letter topic; completes when the brokers stored it.</param>
    /// <param name="written">Told the offset of each record once it is written.</param>
    /// <param name="timeProvider">Times the retries.</param>
    /// <param name="logger">Logs failed attempts.</param>
    public KafkaDeadLetterer(
        string providerName,
        Func<ConsumeResult<byte[]?, byte[]?>, string, CancellationToken, Task> publish,
        Action<long> written,
        TimeProvider timeProvider,
        ILogger logger)
    {
        this.providerName = providerName;
        this.publish = publish;
        this.written = written;
        this.timeProvider = timeProvider;
        this.logger = logger;
        stoppingToken = stopping.Token;
    }

    /// <summary>Starts writing <paramref name="result"/> to its dead-letter topic because of <paramref name="reason"/>.</summary>
    public void Start(ConsumeResult<byte[]?, byte[]?> result, string reason)
    {
        var task = Task.Run(() => DeadLetterAsync(result, reason));
        lock (sync)
        {
            inFlight.RemoveAll(static pending => pending.IsCompleted);
            inFlight.Add(task);
        }
    }

    /// <summary>Completes when every record started so far is written or given up.</summary>
    public Task WhenAllDone()
    {
        lock (sync)
        {
            return Task.WhenAll(inFlight);
        }
    }

    /// <summary>Gives up on the records not yet written: they stay uncommitted, for the partition's next reader.</summary>
    public Task Stop() => stopping.CancelAsync();

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    private async Task DeadLetterAsync(ConsumeResult<byte[]?, byte[]?> result, string reason)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await publish(result, reason, stoppingToken).ConfigureAwait(false);
                written(result.Offset.Value);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (KafkaException exception)
            {
                // Until it is written the record holds the partition's commits back; keep trying.
                LogDeadLetterFailed(providerName, result.Topic, result.Partition.Value, result.Offset.Value, exception);
            }

            try
            {
                await Task.Delay(RetryDelay, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': dead-lettering {Topic}[{Partition}]@{Offset} failed; retrying")]
    private partial void LogDeadLetterFailed(string provider, string topic, int partition, long offset, Exception exception);
}
