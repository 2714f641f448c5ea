using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// The silo's side of the changelog: a grain hands it every applied change once the change is durable in Redis, and
/// it queues the record on the stream provider's producer (idempotent, acks=all: per key, records land in one
/// partition in the order they were queued) and reports Kafka's answer to the key's <see cref="ChangelogOutbox"/>.
/// A refused record stays in its key's outbox and is sent again every <see cref="RetryInterval"/> by a background loop,
/// without involving the grain. Also keeps the changelog's metrics: publish lag, failures, and how many changes this
/// silo's keys hold unacknowledged.
/// </summary>
public sealed partial class ChangelogPublisher : IAsyncDisposable
{
    private readonly ConcurrentQueue<ChangelogOutbox> _retries = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retryLoop;
    private readonly IKafkaRecordProducer? _producer;
    private readonly TimeProvider _time;
    private readonly ILogger<ChangelogPublisher> _logger;
    private readonly Histogram<double>? _lag;
    private readonly Counter<long>? _failures;
    private long _outboxEntries;
    private long _published;
    private long _failed;

    /// <param name="options">The changelog settings; <see cref="ChangelogOptions.Topic"/> must be resolved when a producer is given.</param>
    /// <param name="producer">The Kafka producer; <see langword="null"/> when the silo has no Kafka, and then there is no changelog.</param>
    /// <param name="time">The clock of the publish lag and of retries.</param>
    /// <param name="logger">Logs refused records.</param>
    /// <param name="meters">Creates the changelog's instruments on the system's meter.</param>
    public ChangelogPublisher(IOptions<ChangelogOptions> options, IKafkaRecordProducer? producer, TimeProvider time, ILogger<ChangelogPublisher> logger, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _producer = settings.Enabled ? producer : null;
        Topic = settings.Topic ?? string.Empty;
        MaxOutboxEntries = settings.MaxOutboxEntries;
        RetryInterval = settings.RetryInterval;
        OutboxFullTimeout = settings.OutboxFullTimeout;
        _time = time;
        _logger = logger;
        if (_producer is not null && string.IsNullOrWhiteSpace(Topic))
        {
            throw new OptionsValidationException(ChangelogOptions.SectionName, typeof(ChangelogOptions), [$"{ChangelogOptions.SectionName}:Topic is empty: name the changelog topic, or set {ChangelogOptions.SectionName}:Enabled to false."]);
        }

        if (meters is not null)
        {
            var meter = meters.Create(HotDataMetrics.MeterName);
            _lag = meter.CreateHistogram<double>("hotdata.changelog.publish.lag", "s", "Time from a change being applied to Kafka acknowledging its changelog record.");
            _failures = meter.CreateCounter<long>("hotdata.changelog.publish.failures", "{record}", "Changelog records Kafka refused or that could not be queued; each is sent again.");
            meter.CreateObservableGauge("hotdata.changelog.outbox", () => Interlocked.Read(ref _outboxEntries), "{change}", "Changes of this silo's keys applied and not yet acknowledged by Kafka.");
        }
    }

    /// <summary>Whether changes are published.</summary>
    public bool Enabled => _producer is not null;

    /// <summary>The changelog topic.</summary>
    public string Topic { get; }

    /// <summary>The most changes of one key waiting for Kafka.</summary>
    public int MaxOutboxEntries { get; }

    /// <summary>How long a change waits for room in its key's full outbox before it is refused.</summary>
    public TimeSpan OutboxFullTimeout { get; }

    /// <summary>How soon a refused change is sent again.</summary>
    public TimeSpan RetryInterval { get; }

    /// <summary>Changes of this silo's keys applied and not yet acknowledged.</summary>
    public long OutboxEntries => Interlocked.Read(ref _outboxEntries);

    /// <summary>Records Kafka acknowledged since the silo started.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Records refused or not queued since the silo started.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>A key's stored outbox grew or shrank by <paramref name="delta"/> entries.</summary>
    public void OutboxChanged(int delta) => Interlocked.Add(ref _outboxEntries, delta);

    /// <summary>Queues <paramref name="entries"/> of <paramref name="key"/>, oldest first; <paramref name="outbox"/> learns of each answer.</summary>
    public void Publish(string key, IReadOnlyList<ChangelogEntry> entries, ChangelogOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(outbox);
        if (_producer is null)
        {
            return;
        }

        foreach (var entry in entries)
        {
            var version = entry.Version;
            var updatedAt = entry.UpdatedAt;
            outbox.Sending(entry);
            try
            {
                _producer.Produce(Topic, ChangelogRecord.ToMessage(key, entry), report =>
                {
                    var acknowledged = !report.Error.IsError;
                    if (outbox.Delivered(version, acknowledged))
                    {
                        QueueRetry(outbox);
                    }

                    if (acknowledged)
                    {
                        Interlocked.Increment(ref _published);
                        _lag?.Record(Math.Max(0, (_time.GetUtcNow() - updatedAt).TotalSeconds));
                    }
                    else
                    {
                        Failure();
                        LogRefused(key, version, report.Error.Code, report.Error.Reason);
                    }
                });
            }
            catch (Exception ex) when (ex is KafkaException or ObjectDisposedException or InvalidOperationException)
            {
                if (outbox.Delivered(version, acknowledged: false))
                {
                    QueueRetry(outbox);
                }

                Failure();
                LogNotQueued(ex, key, version);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_retryLoop is { } loop)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
    }

    private void QueueRetry(ChangelogOutbox outbox)
    {
        _retries.Enqueue(outbox);
        if (_retryLoop is null)
        {
            lock (_retries)
            {
                _retryLoop ??= Task.Run(RetryAsync);
            }
        }
    }

    // Sends refused records again, a round every RetryInterval, oldest of each key first.
    private async Task RetryAsync()
    {
        using var timer = new PeriodicTimer(RetryInterval, _time);
        while (await timer.WaitForNextTickAsync(_stopping.Token))
        {
            for (var round = _retries.Count; round > 0 && _retries.TryDequeue(out var outbox); round--)
            {
                var refused = outbox.TakeRefused();
                if (!outbox.Closed && refused.Count > 0)
                {
                    Publish(outbox.Key, refused, outbox);
                }
            }
        }
    }

    private void Failure()
    {
        Interlocked.Increment(ref _failed);
        _failures?.Add(1);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Changelog record of key {Key} version {Version} refused ({Code}: {Reason}); it stays in the key's outbox and is sent again")]
    private partial void LogRefused(string key, long version, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Changelog record of key {Key} version {Version} could not be queued; it stays in the key's outbox and is sent again")]
    private partial void LogNotQueued(Exception exception, string key, long version);
}
