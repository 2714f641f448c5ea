using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Reads one stream's records from a <see cref="KafkaQueueCache"/> for one consumer, and tells the cache which of
/// them that consumer has finished with.
/// </summary>
/// <remarks>
/// The pulling agent gives a consumer up to <c>BatchContainerBatchSize</c> records per delivery: it calls
/// <see cref="MoveNext"/> (through the interface's <c>MoveNextWithResult</c>) until that many were returned or one returns <see langword="false"/>, delivers them and
/// awaits the consumer, and only then calls <see cref="MoveNext"/> again. So the records of a batch are finished
/// with when the first <see cref="MoveNext"/> after the batch was complete is called (or the cursor is disposed) —
/// not when the cursor passed them. Until then they are in flight and hold their partition's commit. A delivery that
/// failed for good is reported by <see cref="RecordDeliveryFailure"/> before the agent moves on; its records are
/// never reported delivered. This counting assumes that every record the cursor returns is delivered, which holds
/// without a stream filter (the default): a filter that drops records would end a batch later than counted. Nor does
/// it know the extra move the agent makes on a new cursor when a consumer answers a delivery with a handshake token
/// (a subscription resumed at a token of its own on a rewindable provider; this one is not rewindable).
/// </remarks>
internal sealed class KafkaQueueCacheCursor : IQueueCacheCursor
{
    private readonly KafkaQueueCache cache;
    private readonly KafkaCachedStream stream;
    private readonly int deliveryBatchSize;
    private long next;
    private int inBatch;
    private bool batchComplete;
    private bool disposed;
    private KafkaBatchContainer? current;

    public KafkaQueueCacheCursor(KafkaQueueCache cache, KafkaCachedStream stream, long start, int deliveryBatchSize)
    {
        this.cache = cache;
        this.stream = stream;
        this.deliveryBatchSize = deliveryBatchSize;
        next = start;
        DeliveredBefore = start;
    }

    /// <summary>The stream sequence below which this cursor's deliveries have returned (or which it never had to deliver).</summary>
    public long DeliveredBefore { get; private set; }

    /// <summary>The stream sequence of the next record this cursor hands out.</summary>
    public long Next => next;

    public IBatchContainer? GetCurrent(out Exception? exception)
    {
        exception = null;
        return current;
    }

    public bool MoveNext()
    {
        lock (cache.Sync)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (batchComplete)
            {
                // The agent asks for the next batch only after the last one's delivery returned.
                FinishBatch();
            }

            if (next >= stream.EndSequence)
            {
                current = null;
                // What was handed out so far is the whole batch; it goes out now.
                batchComplete = inBatch > 0;
                return false;
            }

            current = stream.At(next).Container;
            next++;
            inBatch++;
            batchComplete = inBatch >= deliveryBatchSize;
            return true;
        }
    }

    public void Refresh(StreamSequenceToken token)
    {
        // Nothing to do: records appended to the stream later get higher sequences, so this cursor finds them as they come.
    }

    public void RecordDeliveryFailure()
    {
        lock (cache.Sync)
        {
            if (disposed)
            {
                return;
            }

            for (var sequence = Math.Max(DeliveredBefore, stream.FirstSequence); sequence < next; sequence++)
            {
                stream.At(sequence).DeliveryFailed = true;
            }

            // The agent moves on past a failed delivery: the records leave the cache, unreported, at the next purge.
            FinishBatch();
        }
    }

    public void Dispose()
    {
        lock (cache.Sync)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            current = null;
            // As Orleans' own caches do, a closed cursor stops holding records: the agent closes a consumer's cursor when
            // it replaces it, removes the subscription, forgets an idle stream, or shuts down (then nothing is purged).
            cache.CloseCursor(stream, this);
        }
    }

    private void FinishBatch()
    {
        DeliveredBefore = next;
        inBatch = 0;
        batchComplete = false;
        cache.MarkForRelease(stream);
    }

    public override string ToString() => $"[{nameof(KafkaQueueCacheCursor)}: {stream.StreamId} next {next}, delivered before {DeliveredBefore}]";
}
