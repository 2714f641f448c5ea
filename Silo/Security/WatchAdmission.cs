using Microsoft.Extensions.Options;

namespace OrleansHotData.Silo.Security;

/// <summary>Counts the open watch streams per client identity and per silo, and refuses those over the caps.</summary>
public sealed class WatchAdmission(IOptions<HotDataSecurityOptions> options)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly HotDataSecurityOptions.WatchLimitOptions _limits = options.Value.Watch;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>The number of open watch streams on this silo.</summary>
    public int Open
    {
        get
        {
            lock (_sync)
            {
                return _total;
            }
        }
    }

    /// <summary>Admits a stream (dispose the ticket when it ends), or gives the refusal to answer with.</summary>
    public IResult? TryEnter(HttpContext context, out IDisposable? ticket)
    {
        ArgumentNullException.ThrowIfNull(context);
        var client = ClientIdentity.Of(context);
        ticket = null;
        lock (_sync)
        {
            if (_total >= _limits.MaxPerSilo)
            {
                return LimitProblem.Unavailable(context, RetryAfter, $"This silo has {_total} open watch streams, its limit (Security:Watch:MaxPerSilo); retry after the Retry-After interval or on another silo.");
            }

            var open = _perClient.GetValueOrDefault(client);
            if (open >= _limits.MaxPerClient)
            {
                return LimitProblem.TooManyRequests(context, RetryAfter, $"The client has {open} open watch streams on this silo, its limit (Security:Watch:MaxPerClient); close one first.");
            }

            _perClient[client] = open + 1;
            _total++;
        }

        ticket = new Ticket(this, client);
        return null;
    }

    private void Leave(string client)
    {
        lock (_sync)
        {
            _total--;
            var open = _perClient[client] - 1;
            if (open == 0)
            {
                _perClient.Remove(client);
            }
            else
            {
                _perClient[client] = open;
            }
        }
    }

    private sealed class Ticket(WatchAdmission admission, string client) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                admission.Leave(client);
            }
        }
    }
}
