namespace OrleansHotData.Client;

/// <summary>
/// What a near-cache knows of one silo's channel of messages to it: the last number received without a gap, since
/// which number that run is unbroken, and when a heartbeat last confirmed that nothing sent was missing. A gap, a
/// heartbeat that stays ahead of what arrived, or a dropped connection starts a new generation: entries subscribed in
/// an earlier one are no longer confirmed by this channel.
/// </summary>
internal sealed class ChannelState(string id, long sequence)
{
    private readonly Lock _sync = new();
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

    /// <summary>A message of changes numbered <paramref name="sequence"/> arrived; returns whether it revealed a gap.</summary>
    public bool OnMessage(long sequence)
    {
        lock (_sync)
        {
            if (sequence == _received + 1)
            {
                _received = sequence;
                return false;
            }

            if (sequence <= _received)
            {
                return false;
            }

            // Messages between were lost (or overtaken): nothing subscribed before this one can be trusted.
            StartOver(sequence, sequence);
            return true;
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
                // A message the previous heartbeat announced never came.
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

    private void StartOver(long received, long syncedFrom)
    {
        _generation++;
        _received = received;
        _syncedFrom = syncedFrom;
        _awaited = -1;
        _confirmedAt = long.MinValue;
    }
}
