namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// The records of one stream held by a <see cref="KafkaQueueCache"/>, in offset order, and the cursors reading them.
/// Records are numbered by their position in the stream (its sequence), so a cursor keeps a number, not a pointer into a
/// list shared with other streams, and finds its next record in constant time. Guarded by the cache's lock.
/// </summary>
internal sealed class KafkaCachedStream
{
    private const int InitialCapacity = 4;

    // Empty while the stream holds nothing: a key whose consumer idles costs no buffer. Its length is a power of two.
    private KafkaCachedRecord[] records = [];
    private int head;

    /// <summary>Creates the buffer of <paramref name="streamId"/>.</summary>
    public KafkaCachedStream(StreamId streamId) => StreamId = streamId;

    /// <summary>The stream.</summary>
    public StreamId StreamId { get; }

    /// <summary>How many records are held.</summary>
    public int Count { get; private set; }

    /// <summary>The sequence of the oldest record held (or of the next one appended, when none is).</summary>
    public long FirstSequence { get; private set; }

    /// <summary>The sequence the next appended record gets.</summary>
    public long EndSequence => FirstSequence + Count;

    /// <summary>The cursors open on this stream; usually one (the subscription), briefly two (a registration's pin).</summary>
    public List<KafkaQueueCacheCursor> Cursors { get; } = new(1);

    /// <summary>Whether the cache must look at this stream for records to release at its next purge.</summary>
    public bool IsMarked { get; set; }

    /// <summary>Adds <paramref name="record"/> after the others.</summary>
    public void Append(KafkaCachedRecord record)
    {
        if (Count == records.Length)
        {
            var grown = new KafkaCachedRecord[Math.Max(InitialCapacity, records.Length * 2)];
            for (var i = 0; i < Count; i++)
            {
                grown[i] = records[(head + i) & (records.Length - 1)];
            }

            records = grown;
            head = 0;
        }

        records[(head + Count) & (records.Length - 1)] = record;
        Count++;
    }

    /// <summary>The record with sequence <paramref name="sequence"/>, which must be held.</summary>
    public ref KafkaCachedRecord At(long sequence)
    {
        var index = sequence - FirstSequence;
        if ((ulong)index >= (ulong)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"The stream holds sequences {FirstSequence} to {EndSequence - 1}.");
        }

        return ref records[(head + (int)index) & (records.Length - 1)];
    }

    /// <summary>Takes out the oldest record.</summary>
    public KafkaCachedRecord RemoveFirst()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException($"The cache holds no record of stream {StreamId}.");
        }

        var record = records[head];
        records[head] = default;
        head = (head + 1) & (records.Length - 1);
        Count--;
        FirstSequence++;
        if (Count == 0)
        {
            // Most keys hold a record only now and then: release the buffer rather than keep it for as long as the
            // key's consumer lives.
            head = 0;
            records = [];
        }

        return record;
    }

    /// <summary>The sequence of the oldest record held at or after <paramref name="offset"/>, or <see cref="EndSequence"/>.</summary>
    public long SequenceAtOrAfter(long offset)
    {
        // Offsets rise with the sequence: search the ring by halves.
        var low = 0;
        var high = Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (records[(head + middle) & (records.Length - 1)].Container.Token.Offset < offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return FirstSequence + low;
    }

    /// <summary>
    /// The sequence below which every cursor has seen its deliveries return: the records before it may leave. With no
    /// cursor open, all records may leave, as with Orleans' own caches: nobody is delivering them.
    /// </summary>
    public long ReleasableBefore()
    {
        var floor = EndSequence;
        foreach (var cursor in Cursors)
        {
            floor = Math.Min(floor, cursor.DeliveredBefore);
        }

        return floor;
    }
}
