using System.Collections.Immutable;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Reads one Kafka partition for Orleans. Partitions are assigned by Orleans' queue balancer, so the consumer takes
/// its partition with <c>Assign</c> (no Kafka group membership) and resumes at the group's committed offset.
/// Offsets are committed only up to the lowest record not yet reported delivered, off the Orleans scheduler, by its
/// <see cref="KafkaOffsetCommitter"/>; records without a usable key go to the dead-letter topic through its
/// <see cref="KafkaDeadLetterer"/>.
/// </summary>
internal sealed partial class KafkaQueueAdapterReceiver : IQueueAdapterReceiver, IKafkaPartitionStatusSource, IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly TimeSpan ConsumerRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StartOffsetQueryTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxStallCheckPeriod = TimeSpan.FromSeconds(1);

    private readonly string providerName;
    private readonly KafkaStreamOptions options;
    private readonly KafkaTopicOptions topic;
    private readonly TopicPartition topicPartition;
    private readonly KafkaStreamDiagnostics diagnostics;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock sync = new();
    private readonly KafkaOffsetCommitter committer;
    private readonly KafkaDeadLetterer deadLetterer;
    private readonly KafkaPartitionStallDetector stallDetector;
    // The partition's cache, which holds the records handed to Orleans and not yet delivered: it names the record a
    // stalled partition waits for.
    private readonly Func<KafkaQueueCache?> findCache;

    private IConsumer<byte[]?, byte[]?>? consumer;
    private bool shutDown;
    private long lastConsumerAttempt;
    private long highWatermark = -1;
    private long startOffset = -1;
    private long consumedPosition = -1;
    private ITimer? stallTimer;

    public KafkaQueueAdapterReceiver(
        string providerName,
        KafkaStreamOptions options,
        KafkaTopicOptions topic,
        int partition,
        KafkaDeadLetterPublisher deadLetters,
        KafkaStreamDiagnostics diagnostics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        Func<KafkaQueueCache?> findCache)
    {
        this.providerName = providerName;
        this.options = options;
        this.topic = topic;
        topicPartition = new TopicPartition(topic.Name, new Partition(partition));
        this.diagnostics = diagnostics;
        this.timeProvider = timeProvider;
        this.findCache = findCache;
        logger = loggerFactory.CreateLogger<KafkaQueueAdapterReceiver>();
        committer = new KafkaOffsetCommitter(providerName, topicPartition, options.CommitInterval, timeProvider, logger);
        deadLetterer = new KafkaDeadLetterer(providerName, deadLetters.PublishAsync, committer.Complete, timeProvider, logger);
        stallDetector = new KafkaPartitionStallDetector(options.StallTimeout, timeProvider);
    }

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (sync)
        {
            ObjectDisposedException.ThrowIf(shutDown, this);
        }

        diagnostics.Register(this);
        KafkaStreamInstruments.Track(this);
        // The pulling agent stops reading a partition whose cache is full, and nobody may ask for its status: a timer
        // of its own makes sure a stall is logged when it happens.
        var period = options.StallTimeout / 4 < MaxStallCheckPeriod ? options.StallTimeout / 4 : MaxStallCheckPeriod;
        lock (sync)
        {
            stallTimer = timeProvider.CreateTimer(static state => ((KafkaQueueAdapterReceiver)state!).CheckStall(), this, period, period);
        }

        EnsureConsumer();
        return Task.CompletedTask;
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var kafka = EnsureConsumer();
        if (kafka is null)
        {
            return Task.FromResult<IList<IBatchContainer>>([]);
        }

        // Idle partitions still get their delivered offsets committed once the interval has passed.
        TryStartCommit(force: false);

        var limit = maxCount > 0 ? Math.Min(maxCount, options.MaxBatchSize) : options.MaxBatchSize;
        var batch = new List<IBatchContainer>();
        var read = 0;
        while (read < limit && !cancellationToken.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                // A zero timeout only takes what librdkafka has already fetched: it never blocks the scheduler.
                result = kafka.Consume(TimeSpan.Zero);
            }
            catch (ConsumeException exception)
            {
                LogConsumeFailed(providerName, topic.Name, topicPartition.Partition.Value, exception.Error.Code, exception.Error.Reason);
                break;
            }

            if (result?.Message is null || result.IsPartitionEOF)
            {
                break;
            }

            read++;
            if (!TryDecodeKey(result.Message.Key, out var key, out var reason))
            {
                committer.Track(result.Offset.Value);
                deadLetterer.Start(result, reason);
                continue;
            }

            var container = new KafkaBatchContainer(StreamId.Create(topic.StreamNamespace, key), ToRecord(result, key));
            committer.Track(result.Offset.Value);
            batch.Add(container);
        }

        KafkaStreamInstruments.OnReceived(providerName, topic.Name, read);
        UpdateHighWatermark(kafka);
        CheckStall();
        return Task.FromResult<IList<IBatchContainer>>(batch);
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        committer.Complete(messages.OfType<KafkaBatchContainer>().Select(static container => container.Token.Offset));
        TryStartCommit(force: false);
        CheckStall();
        return Task.CompletedTask;
    }

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The final commit covers what the agent reported delivered in its reads. Records delivered since its last read
        // are not taken from the cache here: while the agent shuts down it abandons stream registrations and releases
        // the cursors that pinned their records, so at this point the cache would also hand over records no consumer
        // ever received. The next reader of the partition reads the uncommitted tail again; the grains skip what they
        // already applied.
        IConsumer<byte[]?, byte[]?>? kafka;
        Task inFlightDeadLetters;
        lock (sync)
        {
            if (shutDown)
            {
                return;
            }

            shutDown = true;
            kafka = consumer;
            inFlightDeadLetters = deadLetterer.WhenAllDone();
            stallTimer?.Dispose();
            stallTimer = null;
        }

        diagnostics.Unregister(this);
        KafkaStreamInstruments.Untrack(this);
        if (kafka is null)
        {
            Dispose();
            return;
        }

        var deadline = timeProvider.GetTimestamp();
        TimeSpan Remaining() => timeout - timeProvider.GetElapsedTime(deadline);

        // Records being dead-lettered count as done once written; give them part of the time, then give up on
        // them: they stay uncommitted and whoever reads the partition next sets them aside again.
        await WaitQuietly(inFlightDeadLetters, timeout / 2, cancellationToken);
        await deadLetterer.Stop();

        // The final commit, after any commit in progress.
        await WaitQuietly(committer.Current, Remaining(), cancellationToken);
        TryStartCommit(force: true, allowWhenShutDown: true);
        Task closing;
        lock (sync)
        {
            consumer = null;
            // Close only after the last commit has finished with the consumer, however long that takes.
            closing = committer.Enqueue(() => CloseConsumer(kafka));
        }

        await WaitQuietly(closing, Remaining(), cancellationToken);
        LogStopped(providerName, topic.Name, topicPartition.Partition.Value, committer.Committed);
        Dispose();
    }

    public void Dispose()
    {
        lock (sync)
        {
            stallTimer?.Dispose();
            stallTimer = null;
        }

        deadLetterer.Dispose();
    }

    /// <summary>The stream provider this receiver reads for.</summary>
    public string ProviderName => providerName;

    public KafkaPartitionStatus GetStatus()
    {
        KafkaPartitionStatus status;
        KafkaPartitionStallChange change;
        long? position;
        lock (sync)
        {
            change = ObserveStallLocked();
            long? high = highWatermark < 0 ? null : highWatermark;
            position = LowestUndeliveredLocked();
            var (stalledOffset, stalledRecord) = StalledRecordLocked();
            status = new KafkaPartitionStatus(
                topic.Name,
                topicPartition.Partition.Value,
                committer.NextOffset,
                committer.Committed,
                committer.PendingCount,
                high,
                high is { } h && position is { } p ? Math.Max(0, h - p) : null,
                consumer is not null,
                stallDetector.IsStalled ? stallDetector.LastProgress : null,
                stalledOffset,
                stalledRecord?.Record.Key,
                stalledOffset is null ? null : stalledRecord?.DeliveryAttempts ?? 0);
        }

        ReportStallChange(change, status, position);
        return status;
    }

    // The watermark rests on the lowest record not yet delivered, which may be one whose delivery failed for good (it
    // left the cache unreported) beside the one that is stuck now: a record whose delivery is being retried names the
    // culprit better. Only asked while stalled; it looks through the cache.
    private (long? Offset, KafkaBatchContainer? Record) StalledRecordLocked()
    {
        if (stallDetector.StalledOffset is not { } watermark)
        {
            return (null, null);
        }

        var record = findCache()?.FindStalledRecord(watermark);
        return record is not null && record.Token.Offset != watermark && record.DeliveryAttempts > 1
            ? (record.Token.Offset, record)
            : (watermark, record?.Token.Offset == watermark ? record : null);
    }

    private long? LowestUndeliveredLocked() => committer.Watermark ?? (startOffset < 0 ? null : startOffset);

    private KafkaPartitionStallChange ObserveStallLocked()
    {
        if (shutDown)
        {
            return KafkaPartitionStallChange.None;
        }

        var position = LowestUndeliveredLocked();
        // Records beyond the watermark on the broker count only while the consumer has not read past them: it skips
        // transaction markers, which the high watermark includes.
        var readUpTo = Math.Max(position ?? -1, consumedPosition);
        var waiting = committer.PendingCount > 0 || (highWatermark >= 0 && readUpTo >= 0 && readUpTo < highWatermark);
        return stallDetector.Observe(position, waiting);
    }

    private void CheckStall()
    {
        KafkaPartitionStallChange change;
        long? position;
        lock (sync)
        {
            change = ObserveStallLocked();
            position = LowestUndeliveredLocked();
        }

        if (change != KafkaPartitionStallChange.None)
        {
            // Observing again inside changes nothing more; it only builds the status that the log line names.
            ReportStallChange(change, GetStatus(), position);
        }
    }

    private void ReportStallChange(KafkaPartitionStallChange change, KafkaPartitionStatus status, long? position)
    {
        switch (change)
        {
            case KafkaPartitionStallChange.Stalled:
                KafkaStreamInstruments.OnStalled(providerName, topic.Name);
                LogStalled(providerName, topic.Name, topicPartition.Partition.Value, status.StalledOffset, status.StalledKey ?? "(not read or no key)", status.StalledDeliveryAttempts, position, status.StalledSince, status.PendingRecords, status.Lag);
                break;
            case KafkaPartitionStallChange.Recovered:
                KafkaStreamInstruments.OnStallRecovered(providerName, topic.Name);
                LogRecovered(providerName, topic.Name, topicPartition.Partition.Value, position);
                break;
        }
    }

    // The consumer caches the high watermark from every fetch response: reading it is local and cheap. It is read on
    // the pulling agent's turn, never from a metrics thread, so it cannot race the consumer's disposal.
    private void UpdateHighWatermark(IConsumer<byte[]?, byte[]?> kafka)
    {
        try
        {
            var high = kafka.GetWatermarkOffsets(topicPartition).High;
            var position = kafka.Position(topicPartition);
            lock (sync)
            {
                if (!high.IsSpecial)
                {
                    highWatermark = high.Value;
                }

                if (!position.IsSpecial)
                {
                    consumedPosition = position.Value;
                }
            }
        }
        catch (KafkaException exception)
        {
            LogWatermarkFailed(providerName, topic.Name, topicPartition.Partition.Value, exception.Error.Code);
        }
    }

    // Where reading starts, so the lag of a partition is known before its first record: the group's committed
    // offset, or, without one, the end that auto.offset.reset picks. Broker round trips: run off the scheduler.
    private void LoadStartOffset(IConsumer<byte[]?, byte[]?> kafka)
    {
        try
        {
            var stored = kafka.Committed([topicPartition], StartOffsetQueryTimeout).Single().Offset;
            long? start = stored.IsSpecial ? null : stored.Value;
            if (start is null && options.AutoOffsetReset != AutoOffsetReset.Error)
            {
                var ends = kafka.QueryWatermarkOffsets(topicPartition, StartOffsetQueryTimeout);
                var end = options.AutoOffsetReset == AutoOffsetReset.Earliest ? ends.Low : ends.High;
                start = end.IsSpecial ? null : end.Value;
            }

            if (start is { } offset)
            {
                lock (sync)
                {
                    startOffset = offset;
                }
            }
        }
        catch (KafkaException exception)
        {
            // Only the lag before the first record depends on it; it is known from then on.
            LogStartOffsetUnknown(providerName, topic.Name, topicPartition.Partition.Value, exception.Error.Code);
        }
    }

    private IConsumer<byte[]?, byte[]?>? EnsureConsumer()
    {
        lock (sync)
        {
            if (consumer is not null || shutDown)
            {
                return consumer;
            }

            var now = timeProvider.GetTimestamp();
            if (lastConsumerAttempt != 0 && timeProvider.GetElapsedTime(lastConsumerAttempt, now) < ConsumerRetryDelay)
            {
                return null;
            }

            lastConsumerAttempt = now;
            IConsumer<byte[]?, byte[]?>? created = null;
            try
            {
                var clientId = $"orleans-{providerName}-{topic.Name}-{topicPartition.Partition.Value}";
                created = new ConsumerBuilder<byte[]?, byte[]?>(KafkaClientConfigs.CreateConsumerConfig(options, clientId))
                    .SetErrorHandler((_, error) => LogClientError(providerName, topic.Name, topicPartition.Partition.Value, error.Code, error.Reason))
                    .SetLogHandler((_, message) =>
                    {
                        var level = ToLogLevel(message.Level);
                        LogClientMessage(level, providerName, message.Facility, message.Message);
                    })
                    .Build();

                // Orleans decides which silo reads the partition; Kafka's group is used only to store offsets.
                created.Assign(new TopicPartitionOffset(topicPartition, Offset.Stored));
                consumer = created;
                // In the commit slot, so the consumer is closed only after this query is done with it.
                var assigned = created;
                committer.Enqueue(() => LoadStartOffset(assigned));
                LogStarted(providerName, topic.Name, topicPartition.Partition.Value, options.ConsumerGroupId);
                return consumer;
            }
            catch (Exception exception) when (exception is KafkaException or ArgumentException or InvalidOperationException)
            {
                created?.Dispose();
                LogConsumerCreationFailed(providerName, topic.Name, topicPartition.Partition.Value, exception);
                return null;
            }
        }
    }

    private void TryStartCommit(bool force, bool allowWhenShutDown = false)
    {
        // Under the receiver's lock, so that no commit starts once shutdown has queued the consumer's close.
        lock (sync)
        {
            if (consumer is { } kafka && (!shutDown || allowWhenShutDown))
            {
                committer.TryStart(kafka, force);
            }
        }
    }

    private void CloseConsumer(IConsumer<byte[]?, byte[]?> kafka)
    {
        try
        {
            kafka.Close();
        }
        catch (KafkaException exception)
        {
            LogCloseFailed(providerName, topic.Name, topicPartition.Partition.Value, exception);
        }
        finally
        {
            kafka.Dispose();
        }
    }

    private static async Task WaitQuietly(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            // Shutdown is time-boxed; what did not finish is logged by the task itself or left uncommitted.
        }
    }

    private static bool TryDecodeKey(byte[]? key, out string decoded, out string reason)
    {
        decoded = string.Empty;
        if (key is null || key.Length == 0)
        {
            reason = KafkaDeadLetterHeaders.MissingKeyReason;
            return false;
        }

        try
        {
            decoded = StrictUtf8.GetString(key);
            reason = string.Empty;
            return true;
        }
        catch (DecoderFallbackException)
        {
            reason = KafkaDeadLetterHeaders.InvalidKeyReason;
            return false;
        }
    }

    private static KafkaRecord ToRecord(ConsumeResult<byte[]?, byte[]?> result, string key)
    {
        var headers = ImmutableArray<KafkaHeader>.Empty;
        if (result.Message.Headers is { Count: > 0 } source)
        {
            var builder = ImmutableArray.CreateBuilder<KafkaHeader>(source.Count);
            foreach (var header in source)
            {
                builder.Add(new KafkaHeader(header.Key, header.GetValueBytes()));
            }

            headers = builder.MoveToImmutable();
        }

        return new KafkaRecord
        {
            Topic = result.Topic,
            Partition = result.Partition.Value,
            Offset = result.Offset.Value,
            Key = key,
            Value = result.Message.Value,
            Headers = headers,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(result.Message.Timestamp.UnixTimestampMs),
        };
    }

    private static LogLevel ToLogLevel(SyslogLevel level) => level switch
    {
        <= SyslogLevel.Error => LogLevel.Warning,
        SyslogLevel.Warning or SyslogLevel.Notice => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Kafka stream provider '{Provider}': reading {Topic}[{Partition}] from the committed offset of group '{GroupId}'")]
    private partial void LogStarted(string provider, string topic, int partition, string groupId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Kafka stream provider '{Provider}': stopped reading {Topic}[{Partition}], last committed offset {Offset}")]
    private partial void LogStopped(string provider, string topic, int partition, long? offset);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Kafka stream provider '{Provider}': could not create the consumer for {Topic}[{Partition}]; retrying")]
    private partial void LogConsumerCreationFailed(string provider, string topic, int partition, Exception exception);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': reading {Topic}[{Partition}] failed with {Code}: {Reason}")]
    private partial void LogConsumeFailed(string provider, string topic, int partition, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': closing the consumer of {Topic}[{Partition}] failed")]
    private partial void LogCloseFailed(string provider, string topic, int partition, Exception exception);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': consumer of {Topic}[{Partition}] reports {Code}: {Reason}")]
    private partial void LogClientError(string provider, string topic, int partition, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Debug, Message = "Kafka stream provider '{Provider}': reading the high watermark of {Topic}[{Partition}] failed with {Code}")]
    private partial void LogWatermarkFailed(string provider, string topic, int partition, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Debug, Message = "Kafka stream provider '{Provider}': the start offset of {Topic}[{Partition}] is unknown ({Code}); its lag is reported from its first record on")]
    private partial void LogStartOffsetUnknown(string provider, string topic, int partition, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning, Message = "Kafka stream provider '{Provider}': {Topic}[{Partition}] is stalled at offset {Offset} (key {Key}, {Attempts} delivery attempts): its commits have been held at offset {Watermark} since {Since:O} with {Pending} records pending and a lag of {Lag}")]
    private partial void LogStalled(string provider, string topic, int partition, long? offset, string key, int? attempts, long? watermark, DateTimeOffset? since, int pending, long? lag);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information, Message = "Kafka stream provider '{Provider}': {Topic}[{Partition}] is moving again, now at offset {Offset}")]
    private partial void LogRecovered(string provider, string topic, int partition, long? offset);

    [LoggerMessage(EventId = 1110, Message = "Kafka stream provider '{Provider}': librdkafka {Facility}: {Text}")]
    private partial void LogClientMessage(LogLevel level, string provider, string facility, string text);
}
