using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Measures how long each partition's ingestion stalls. Every <see cref="Interval"/> it produces a numbered record to
/// a probe key on each partition, and reads every probe key back through the HTTP API of a live silo, noting when
/// each number is first seen applied. From that it tells, for an event such as a kill, when each partition's records
/// were applied again.
/// </summary>
public sealed class PartitionProbes : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ProcessClusterFixture _fixture;
    private readonly string _topic;
    private readonly Func<string?> _readerUrl;
    private readonly string[] _keys;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _sync = new();
    private readonly List<TimeSpan>[] _sent;
    private readonly List<(TimeSpan At, long Seq)>[] _seen;
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Task _running = Task.CompletedTask;
    private long _readFailures;
    private long _produceFailures;
    private bool _disposed;

    /// <param name="fixture">The producer.</param>
    /// <param name="topic">The topic read by the cluster.</param>
    /// <param name="prefix">Starts the probe keys' names.</param>
    /// <param name="readerUrl">The HTTP base address of a live silo to read through, asked before every read.</param>
    public PartitionProbes(ProcessClusterFixture fixture, string topic, string prefix, Func<string?> readerUrl)
    {
        _fixture = fixture;
        _topic = topic;
        _readerUrl = readerUrl;
        _keys = [.. Enumerable.Range(0, ProcessClusterFixture.Partitions).Select(p => $"{prefix}-probe-p{p}")];
        _sent = [.. _keys.Select(_ => new List<TimeSpan>())];
        _seen = [.. _keys.Select(_ => new List<(TimeSpan, long)>())];
    }

    /// <summary>The time on the probes' clock, to mark events with.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Starts producing and reading.</summary>
    public void Start() => _running = Task.WhenAll(
        Task.Run(ProduceLoopAsync),
        Task.WhenAll(Enumerable.Range(0, _keys.Length).Select(p => Task.Run(() => ReadLoopAsync(p)))));

    /// <summary>Waits until every partition's latest probe before now has been seen applied.</summary>
    public async Task WaitUntilCurrentAsync(TimeSpan timeout)
    {
        var since = Now;
        var deadline = Stopwatch.StartNew();
        while (Enumerable.Range(0, _keys.Length).Any(p => ResumedAfter(p, since) is null))
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"The probes of partitions {string.Join(", ", Enumerable.Range(0, _keys.Length).Where(p => ResumedAfter(p, since) is null))} were not applied within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>
    /// For each partition, how long after <paramref name="eventAt"/> the first probe produced after it was seen
    /// applied; <see langword="null"/> for a partition not yet seen applied again.
    /// </summary>
    public IReadOnlyList<TimeSpan?> RecoveryAfter(TimeSpan eventAt) =>
        [.. Enumerable.Range(0, _keys.Length).Select(p => ResumedAfter(p, eventAt) is { } at ? at - eventAt : (TimeSpan?)null)];

    /// <summary>
    /// For each partition, the longest time between <paramref name="from"/> and <paramref name="to"/> that a produced
    /// probe waited until it was seen applied: the worst ingestion stall in that window.
    /// </summary>
    public IReadOnlyList<TimeSpan> LongestStall(TimeSpan from, TimeSpan to)
    {
        var stalls = new List<TimeSpan>();
        lock (_sync)
        {
            for (var p = 0; p < _keys.Length; p++)
            {
                var worst = TimeSpan.Zero;
                var seen = _seen[p];
                for (var seq = 0; seq < _sent[p].Count; seq++)
                {
                    var sentAt = _sent[p][seq];
                    if (sentAt < from || sentAt > to)
                    {
                        continue;
                    }

                    var applied = seen.FirstOrDefault(s => s.Seq >= seq && s.At >= sentAt);
                    var wait = (applied == default ? Now : applied.At) - sentAt;
                    worst = wait > worst ? wait : worst;
                }

                stalls.Add(worst);
            }
        }

        return stalls;
    }

    /// <summary>Reads through the API that failed, and probes the broker did not take (a line for the report).</summary>
    public string Failures => string.Create(CultureInfo.InvariantCulture,
        $"{Interlocked.Read(ref _readFailures)} probe reads failed, {Interlocked.Read(ref _produceFailures)} probe records not produced");

    /// <summary>One line of per-partition times, such as <c>p0=0.21s p3=4.80s</c>; only the partitions in <paramref name="only"/> if given.</summary>
    public static string Format(IEnumerable<TimeSpan?> times, IReadOnlySet<int>? only = null) =>
        string.Join(" ", times
            .Select((t, p) => (Time: t, Partition: p))
            .Where(x => only is null || only.Contains(x.Partition))
            .Select(x => $"p{x.Partition}={(x.Time is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s" : "never")}"));

    private TimeSpan? ResumedAfter(int partition, TimeSpan eventAt)
    {
        lock (_sync)
        {
            var firstAfter = _sent[partition].FindIndex(t => t >= eventAt);
            if (firstAfter < 0)
            {
                return null;
            }

            foreach (var (at, seq) in _seen[partition])
            {
                if (at >= eventAt && seq >= firstAfter)
                {
                    return at;
                }
            }

            return null;
        }
    }

    private async Task ProduceLoopAsync()
    {
        var next = Now;
        while (!_stop.IsCancellationRequested)
        {
            for (var p = 0; p < _keys.Length; p++)
            {
                long seq;
                lock (_sync)
                {
                    seq = _sent[p].Count;
                    _sent[p].Add(Now);
                }

                // Straight to the partition: the probe measures that partition, whichever silo reads it.
                _ = _fixture.ProduceAsync(_topic, _keys[p], $$"""{"seq":{{seq}}}""", p).ContinueWith(
                    t => Interlocked.Increment(ref _produceFailures),
                    CancellationToken.None,
                    TaskContinuationOptions.NotOnRanToCompletion,
                    TaskScheduler.Default);
            }

            next += Interval;
            var wait = next - Now;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
    }

    private async Task ReadLoopAsync(int partition)
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = Now;
            if (_readerUrl() is { } url)
            {
                try
                {
                    using var response = await _http.GetAsync(new Uri(new Uri(url), "/v1/keys/" + Uri.EscapeDataString(_keys[partition])), _stop.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_stop.Token));
                        var seq = document.RootElement.GetProperty("seq").GetInt64();
                        // Seen when the answer arrived: the record was applied by then, perhaps a little earlier.
                        var at = Now;
                        lock (_sync)
                        {
                            var seen = _seen[partition];
                            if (seen.Count == 0 || seen[^1].Seq != seq)
                            {
                                seen.Add((at, seq));
                            }
                        }
                    }
                    else if (response.StatusCode != HttpStatusCode.NotFound)
                    {
                        Interlocked.Increment(ref _readFailures);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !_stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _readFailures);
                }
            }

            var wait = started + Interval - Now;
            if (wait > TimeSpan.Zero && !_stop.IsCancellationRequested)
            {
                await Task.Delay(wait);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _http.Dispose();
        _stop.Dispose();
    }
}
