using System.Diagnostics.CodeAnalysis;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// The records of one Kafka partition between reading and delivery, indexed by stream. Each stream keeps its records
/// in offset order, so a consumer's cursor finds its next record at once instead of passing the records of every
/// other stream, and a record leaves the cache — handed back to the receiver, which may then commit past it — only
/// once every cursor of its stream has seen the delivery that carried it return (see <see cref="KafkaQueueCacheCursor"/>).
/// Records of a stream delivered meanwhile leave whatever waits before them in the partition, so one slow consumer
/// holds only its own records. When the records held reach the configured count or bytes, reading the partition pauses
/// (<see cref="IsUnderPressure"/>); nothing undelivered is ever evicted.
/// </summary>
/// <remarks>
/// The pulling agent calls it from its own turn; diagnostics read it from other threads, hence one lock, never contended
/// on the delivery path.
/// </remarks>
internal sealed class KafkaQueueCache : IQueueCache
{
    // Objects a record brings along besides its bytes: container, token, record, key string, header array.
    private const int RecordOverheadBytes = 256;
    private const int HeaderOverheadBytes = 32;

    private readonly Dictionary<StreamId, KafkaCachedStream> streams = [];
    private readonly List<KafkaCachedStream> marked = [];
    private readonly int maxRecords;
    private readonly long maxBytes;
    private readonly int deliveryBatchSize;
    private int recordCount;
    private long byteCount;

    /// <summary>Creates the cache of one partition.</summary>
    /// <param name="maxRecords">The most records held before reading pauses.</param>
    /// <param name="maxBytes">The most estimated bytes held before reading pauses.</param>
    /// <param name="deliveryBatchSize">The pulling agent's <c>BatchContainerBatchSize</c>: how many records it delivers at once.</param>
    public KafkaQueueCache(int maxRecords, long maxBytes, int deliveryBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.deliveryBatchSize = Math.Max(1, deliveryBatchSize);
    }

    /// <summary>Guards the cache, its streams and cursors.</summary>
    internal Lock Sync { get; } = new();

    /// <summary>How many records the cache holds.</summary>
    public int RecordCount
    {
        get
        {
            lock (Sync)
            {
                return recordCount;
            }
        }
    }

    /// <summary>The estimated bytes of the records the cache holds.</summary>
    public long ByteCount
    {
        get
        {
            lock (Sync)
            {
                return byteCount;
            }
        }
    }

    /// <summary>How many streams the cache keeps state for (records or open cursors).</summary>
    public int StreamCount
    {
        get
        {
            lock (Sync)
            {
                return streams.Count;
            }
        }
    }

    public int GetMaxAddCount()
    {
        lock (Sync)
        {
            // Never 0: the agent stops its read loop on 0 before it purges, so a full cache would never drain. A full
            // cache is reported by IsUnderPressure, which the agent asks after purging.
            return Math.Max(1, maxRecords - recordCount);
        }
    }

    public bool IsUnderPressure()
    {
        lock (Sync)
        {
            return recordCount >= maxRecords || byteCount >= maxBytes;
        }
    }

    public void AddToCache(IList<IBatchContainer> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (Sync)
        {
            foreach (var message in messages)
            {
                if (message is not KafkaBatchContainer container)
                {
                    throw new ArgumentException($"The Kafka queue cache holds only {nameof(KafkaBatchContainer)}s, not {message?.GetType().Name ?? "null"}.", nameof(messages));
                }

                var stream = GetOrAddStream(container.StreamId);
                var bytes = EstimateBytes(container.Record);
                stream.Append(new KafkaCachedRecord(container, bytes));
                recordCount++;
                byteCount += bytes;
                if (stream.Cursors.Count == 0)
                {
                    // Nobody reads it yet: the agent opens a cursor for a new stream right after adding; look at the next purge.
                    MarkForRelease(stream);
                }
            }
        }
    }

    public bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems)
    {
        lock (Sync)
        {
            List<IBatchContainer>? purged = null;
            foreach (var stream in marked)
            {
                stream.IsMarked = false;
                var releasableBefore = stream.ReleasableBefore();
                while (stream.FirstSequence < releasableBefore)
                {
                    var record = stream.RemoveFirst();
                    recordCount--;
                    byteCount -= record.Bytes;
                    if (!record.DeliveryFailed)
                    {
                        (purged ??= []).Add(record.Container);
                    }
                }

                if (stream.Count == 0 && stream.Cursors.Count == 0)
                {
                    streams.Remove(stream.StreamId);
                }
            }

            marked.Clear();
            purgedItems = purged;
            return purged is not null;
        }
    }

    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        lock (Sync)
        {
            var stream = GetOrAddStream(streamId);
            // Without a token the consumer starts with the records that come next, as with Orleans' caches. With one, at
            // the first record held at or after it: records before it that are no longer held were delivered.
            var start = token is null ? stream.EndSequence : stream.SequenceAtOrAfter(token.SequenceNumber);
            var cursor = new KafkaQueueCacheCursor(this, stream, start, deliveryBatchSize);
            stream.Cursors.Add(cursor);
            // Records before the cursor that nobody else holds may go.
            MarkForRelease(stream);
            return cursor;
        }
    }

    /// <summary>
    /// The held record at <paramref name="offset"/>, or, if a record's delivery has been retried, the lowest such record
    /// (it names a stuck consumer better than a record delivered beside it). Looks through every held record: for the
    /// report of a stalled partition, not for the delivery path.
    /// </summary>
    public KafkaBatchContainer? FindStalledRecord(long offset)
    {
        lock (Sync)
        {
            KafkaBatchContainer? atOffset = null;
            KafkaBatchContainer? retried = null;
            foreach (var stream in streams.Values)
            {
                for (var sequence = stream.FirstSequence; sequence < stream.EndSequence; sequence++)
                {
                    var container = stream.At(sequence).Container;
                    if (container.Token.Offset == offset)
                    {
                        atOffset = container;
                    }

                    if (container.DeliveryAttempts > 1 && (retried is null || container.Token.Offset < retried.Token.Offset))
                    {
                        retried = container;
                    }
                }
            }

            return retried ?? atOffset;
        }
    }

    /// <summary>Makes the next purge look at <paramref name="stream"/>. Called under <see cref="Sync"/>.</summary>
    internal void MarkForRelease(KafkaCachedStream stream)
    {
        if (!stream.IsMarked)
        {
            stream.IsMarked = true;
            marked.Add(stream);
        }
    }

    /// <summary>Forgets <paramref name="cursor"/>. Called under <see cref="Sync"/>.</summary>
    internal void CloseCursor(KafkaCachedStream stream, KafkaQueueCacheCursor cursor)
    {
        stream.Cursors.Remove(cursor);
        MarkForRelease(stream);
    }

    private KafkaCachedStream GetOrAddStream(StreamId streamId)
    {
        if (!streams.TryGetValue(streamId, out var stream))
        {
            stream = new KafkaCachedStream(streamId);
            streams.Add(streamId, stream);
        }

        return stream;
    }

    private static int EstimateBytes(KafkaRecord record)
    {
        long bytes = RecordOverheadBytes + ((long)record.Key.Length * sizeof(char)) + (record.Value?.Length ?? 0);
        foreach (var header in record.Headers)
        {
            bytes += HeaderOverheadBytes + ((long)header.Name.Length * sizeof(char)) + (header.Value?.Length ?? 0);
        }

        return (int)Math.Min(int.MaxValue, bytes);
    }
}
