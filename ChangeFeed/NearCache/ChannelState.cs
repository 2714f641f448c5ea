namespace OrleansHotData.ChangeFeed;

/// <summary>
/// What a near-cache knows of one silo's channel of messages to it: the last number received without a gap, since
/// which number that run is unbroken, and when a heartbeat last confirmed that nothing sent was missing. Messages may
/// overtake each other (a silo reaches a client through more than one gateway), so a number that arrives early waits
/// for those before it; a message is lost when a heartbeat announced it and it is still missing at the next heartbeat.
/// A loss or a dropped connection starts a new generation: entries subscribed in an earlier one are no longer
/// confirmed by this channel.
/// </summary>
internal sealed class ChannelState(string id, long sequence)
{
    // How many early numbers may wait for the ones before them; past that the channel starts over.
    private const int MaxAhead = 4096;

    private readonly Lock _sync = new();
    private readonly SortedSet<long> _ahead = [];
    private long _received = sequence;
    private long _syncedFrom = sequence + 1;
    private long _generation;
    private long _confirmedRound = -1;
    private long _confirmedAt = long.MinValue;
    // A heartbeat's number that had not arrived yet when it came: still missing at the next heartbeat means lost.
    private long _awaited = -1;

    public string Id { get; } = id;

    public long Generation
    {
        get
        {
            lock (_sync)
            {
                return _generation;
            }
        }
    }

    /// <summary>
    /// Whether this channel confirms a subscription made in <paramref name="generation"/> after message
    /// <paramref name="sequence"/> in heartbeat round <paramref name="round"/>: every message since has arrived, and a
    /// heartbeat of a later round arrived after <paramref name="notBefore"/>.
    /// </summary>
    public bool Confirms(long generation, long sequence, long round, long notBefore)
    {
        lock (_sync)
        {
            return generation == _generation && sequence + 1 >= _syncedFrom && _confirmedRound > round && _confirmedAt >= notBefore;
        }
    }

    /// <summary>A message of changes numbered <paramref name="sequence"/> arrived; returns whether the channel had to start over.</summary>
    public bool OnMessage(long sequence)
    {
        lock (_sync)
        {
            if (sequence <= _received)
            {
                return false;
            }

            if (sequence > _received + 1)
            {
                // Early: the ones before it may still come. Too many waiting means they will not.
                _ahead.Add(sequence);
                if (_ahead.Count <= MaxAhead)
                {
                    return false;
                }

                StartOver(sequence, sequence);
                return true;
            }

            _received = sequence;
            CatchUp();
            return false;
        }
    }

    /// <summary>A heartbeat saying the last message sent was <paramref name="sequence"/>; returns whether it revealed a loss.</summary>
    public bool OnHeartbeat(long sequence, long round, long now)
    {
        lock (_sync)
        {
            if (sequence <= _received)
            {
                if (sequence == _received && round > _confirmedRound)
                {
                    _confirmedRound = round;
                    _confirmedAt = now;
                    _awaited = -1;
                }

                return false;
            }

            if (_awaited >= 0 && _received < _awaited)
            {
                // A message the previous heartbeat announced never came: what arrived after it is the new run.
                StartOver(sequence, sequence + 1);
                return true;
            }

            _awaited = sequence;
            return false;
        }
    }

    /// <summary>The connection this channel came over was lost: nothing it confirmed counts any more.</summary>
    public void Drop()
    {
        lock (_sync)
        {
            _generation++;
            _confirmedAt = long.MinValue;
        }
    }

    // Early numbers after the new start still count: they arrived.
    private void StartOver(long received, long syncedFrom)
    {
        _ahead.RemoveWhere(sequence => sequence <= received);
        _generation++;
        _received = received;
        _syncedFrom = syncedFrom;
        _awaited = -1;
        _confirmedAt = long.MinValue;
        CatchUp();
    }

    private void CatchUp()
    {
        while (_ahead.Count > 0 && _ahead.Min == _received + 1)
        {
            _received = _ahead.Min;
            _ahead.Remove(_received);
        }
    }
}
