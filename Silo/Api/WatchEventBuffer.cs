namespace OrleansHotData.Silo.Api;

/// <summary>
/// The formatted events one watch stream holds for its reader, bounded in bytes rather than in count: past the
/// budget the oldest are dropped (each event carries the whole value, so the reader still ends on the latest), and
/// the newest is always kept, however large.
/// </summary>
public sealed class WatchEventBuffer(long maxBytes) : IDisposable
{
    private readonly Lock _sync = new();
    private readonly Queue<ReadOnlyMemory<byte>> _events = new();
    private readonly SemaphoreSlim _signal = new(0);
    private long _bytes;
    private bool _completed;

    /// <summary>The bytes held now.</summary>
    public long BufferedBytes
    {
        get
        {
            lock (_sync)
            {
                return _bytes;
            }
        }
    }

    /// <summary>How many events were dropped to stay within the budget.</summary>
    public long Dropped { get; private set; }

    /// <summary>Whether no more events will come and all were taken.</summary>
    public bool IsFinished
    {
        get
        {
            lock (_sync)
            {
                return _completed && _events.Count == 0;
            }
        }
    }

    /// <summary>Adds an event, dropping the oldest while the buffer is over its budget.</summary>
    public void Add(ReadOnlyMemory<byte> formattedEvent)
    {
        lock (_sync)
        {
            _events.Enqueue(formattedEvent);
            _bytes += formattedEvent.Length;
            while (_bytes > maxBytes && _events.Count > 1)
            {
                _bytes -= _events.Dequeue().Length;
                Dropped++;
            }
        }

        _signal.Release();
    }

    /// <summary>Says no more events will come.</summary>
    public void Complete()
    {
        lock (_sync)
        {
            _completed = true;
        }

        _signal.Release();
    }

    /// <summary>Takes the oldest event held, if any.</summary>
    public bool TryTake(out ReadOnlyMemory<byte> formattedEvent)
    {
        lock (_sync)
        {
            if (_events.TryDequeue(out formattedEvent))
            {
                _bytes -= formattedEvent.Length;
                return true;
            }

            return false;
        }
    }

    /// <summary>Waits until something was added or the buffer completed; false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
