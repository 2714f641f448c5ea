using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansHotData.Grains;

namespace OrleansHotData.Silo.Api;

/// <summary>
/// What the HTTP API counts, on the system's meter (<see cref="HotDataMetrics.MeterName"/>): every <c>/v1</c> request by
/// route, method and status with its latency, and the open watch streams. It also keeps these as running totals for
/// the operations page.
/// </summary>
public sealed class ApiMetrics
{
    private readonly Histogram<double> _requestDuration;
    private readonly UpDownCounter<long> _watchers;
    private readonly ConcurrentDictionary<ApiRoute, ApiRouteTotals> _routes = new();
    private long _watcherCount;

    /// <param name="meterFactory">Gives the system's meter.</param>
    public ApiMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(HotDataMetrics.MeterName);
        _requestDuration = meter.CreateHistogram("hotdata.api.request.duration", "s", "HTTP API requests (their count and latency), by route, method and status.", tags: null, HotDataMetrics.LatencyBuckets);
        _watchers = meter.CreateUpDownCounter<long>("hotdata.watchers", "{watcher}", "Open change streams (Server-Sent Events) served by this silo.");
    }

    /// <summary>Records one answered API request; <paramref name="route"/> is the route template, never the raw path.</summary>
    public void Request(string route, string method, int status, TimeSpan duration)
    {
        var totals = _routes.GetOrAdd(new ApiRoute(route, method, status), static _ => new ApiRouteTotals());
        Interlocked.Increment(ref totals.Count);
        Interlocked.Add(ref totals.Ticks, duration.Ticks);
        _requestDuration.Record(duration.TotalSeconds, new TagList
        {
            { "route", route },
            { "method", method },
            { "status", status },
        });
    }

    public void WatcherOpened()
    {
        Interlocked.Increment(ref _watcherCount);
        _watchers.Add(1);
    }

    public void WatcherClosed()
    {
        Interlocked.Decrement(ref _watcherCount);
        _watchers.Add(-1);
    }

    /// <summary><paramref name="totals"/> with this silo's API requests and open watchers filled in.</summary>
    public HotDataTotals AddTo(HotDataTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return totals with
        {
            Watchers = Interlocked.Read(ref _watcherCount),
            Api = [.. _routes.Select(p => new HotDataApiTotals(p.Key.Route, p.Key.Method, p.Key.Status, Interlocked.Read(ref p.Value.Count), TimeSpan.FromTicks(Interlocked.Read(ref p.Value.Ticks)).TotalSeconds))
                .OrderBy(t => t.Route, StringComparer.Ordinal).ThenBy(t => t.Method, StringComparer.Ordinal).ThenBy(t => t.Status)],
        };
    }

    private readonly record struct ApiRoute(string Route, string Method, int Status);

    private sealed class ApiRouteTotals
    {
        public long Count;
        public long Ticks;
    }
}
