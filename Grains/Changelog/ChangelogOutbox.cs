namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// One key's changes on their way to the changelog, as its activation knows them: which were sent, which Kafka
/// acknowledged and which it refused. The producer reports deliveries on its own thread; the grain reads them when it
/// next writes its state and stores only the changes not yet acknowledged (<see cref="Unacknowledged"/>), so an
/// acknowledgement costs no write of its own. Refused changes wait here until <see cref="ChangelogPublisher"/> sends
/// them again.
/// </summary>
/// <param name="key">The entity key.</param>
public sealed class ChangelogOutbox(string key)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<long, ChangelogEntry> _inFlight = [];
    private readonly SortedDictionary<long, ChangelogEntry> _refused = [];
    private readonly HashSet<long> _acknowledged = [];
    private int _queuedForRetry;
    private TaskCompletionSource? _nextAcknowledgement;

    /// <summary>The entity key.</summary>
    public string Key { get; } = key;

    /// <summary>Whether the key's activation is gone: what it left unacknowledged is in storage, sent by the next one.</summary>
    public bool Closed { get; private set; }

    /// <summary>Changes sent and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_sync)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Changes refused and waiting to be sent again.</summary>
    public int Refused
    {
        get
        {
            lock (_sync)
            {
                return _refused.Count;
            }
        }
    }

    /// <summary>Records that <paramref name="entry"/> is being sent.</summary>
    public void Sending(ChangelogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_sync)
        {
            _refused.Remove(entry.Version);
            _inFlight[entry.Version] = entry;
        }
    }

    /// <summary>
    /// Records Kafka's answer for <paramref name="version"/>. Returns whether this refusal is the first one waiting,
    /// so that the caller queues the outbox for a retry once.
    /// </summary>
    public bool Delivered(long version, bool acknowledged)
    {
        lock (_sync)
        {
            if (!_inFlight.Remove(version, out var entry))
            {
                return false;
            }

            if (acknowledged)
            {
                _acknowledged.Add(version);
                _nextAcknowledgement?.TrySetResult();
                _nextAcknowledgement = null;
                return false;
            }

            // A version acknowledged by an earlier send stays acknowledged.
            if (_acknowledged.Contains(version))
            {
                return false;
            }

            _refused[version] = entry;
            return Interlocked.Exchange(ref _queuedForRetry, 1) == 0;
        }
    }

    /// <summary>
    /// Completes when Kafka next acknowledges one of the key's changes. Taken before <see cref="Unacknowledged"/> is
    /// read, so an acknowledgement between the two is not missed.
    /// </summary>
    public Task NextAcknowledgement()
    {
        lock (_sync)
        {
            return (_nextAcknowledgement ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>The refused changes, oldest first, taken to be sent again.</summary>
    public IReadOnlyList<ChangelogEntry> TakeRefused()
    {
        lock (_sync)
        {
            Volatile.Write(ref _queuedForRetry, 0);
            if (_refused.Count == 0)
            {
                return [];
            }

            ChangelogEntry[] taken = [.. _refused.Values];
            _refused.Clear();
            return taken;
        }
    }

    /// <summary>
    /// The entries of <paramref name="outbox"/> Kafka has not acknowledged, in their order: what the next write stores.
    /// </summary>
    public IReadOnlyList<ChangelogEntry> Unacknowledged(IReadOnlyList<ChangelogEntry>? outbox)
    {
        if (outbox is not { Count: > 0 })
        {
            return [];
        }

        lock (_sync)
        {
            if (_acknowledged.Count == 0)
            {
                return outbox;
            }

            List<ChangelogEntry>? kept = null;
            for (var i = 0; i < outbox.Count; i++)
            {
                var entry = outbox[i];
                if (_acknowledged.Contains(entry.Version))
                {
                    kept ??= [.. outbox.Take(i)];
                }
                else
                {
                    kept?.Add(entry);
                }
            }

            return kept ?? outbox;
        }
    }

    /// <summary>
    /// Storage now holds <paramref name="stored"/>: acknowledgements of versions older than all of it are forgotten,
    /// so what this keeps stays as small as the outbox.
    /// </summary>
    public void Stored(IReadOnlyList<ChangelogEntry> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (_sync)
        {
            var oldest = stored.Count == 0 ? long.MaxValue : stored[0].Version;
            _acknowledged.RemoveWhere(version => version < oldest);
        }
    }

    /// <summary>
    /// The entries of <paramref name="outbox"/> this activation never sent, oldest first: an outbox left by an earlier
    /// activation or a crashed silo (Kafka may hold some of them already; a consumer skips a version it has seen).
    /// </summary>
    public IReadOnlyList<ChangelogEntry> NotSent(IReadOnlyList<ChangelogEntry>? outbox)
    {
        if (outbox is not { Count: > 0 })
        {
            return [];
        }

        lock (_sync)
        {
            return [.. outbox.Where(e => !_inFlight.ContainsKey(e.Version) && !_refused.ContainsKey(e.Version) && !_acknowledged.Contains(e.Version))];
        }
    }

    /// <summary>The key's activation is going away; refused changes are left to storage and the next activation.</summary>
    public void Close()
    {
        lock (_sync)
        {
            Closed = true;
        }
    }
}
