using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansHotData.Client;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Readers that read a set of keys through an SDK client's near-cache without pause, and writers that keep writing
/// them through that client and through the HTTP API of other silos. It records, on one clock
/// (<see cref="Stopwatch.GetTimestamp"/>), when each read started and what version it returned, and when each write
/// was acknowledged and what version it created, for <see cref="NearCacheAudit"/>.
/// </summary>
public sealed class NearCacheWorkload : IAsyncDisposable
{
    /// <summary>How long a read or write may take before it counts as failed; a call to a dead silo can hang much longer.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    // Pauses keep the readers and writers from taking the two cores the silos need: readers pause after each pass over
    // the keys, writers after each write.
    private static readonly TimeSpan ReaderPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan WriterPause = TimeSpan.FromMilliseconds(15);

    private readonly IHotDataClient _reader;
    private readonly IReadOnlyList<string> _keys;
    private readonly IReadOnlyList<(string Name, Func<string, int, CancellationToken, Task<long>> Write)> _writers;
    private readonly List<NearCacheRead>[] _reads;
    private readonly ConcurrentQueue<AcknowledgedWrite> _writes = new();
    private readonly ConcurrentQueue<long> _failedReads = new();
    private readonly ConcurrentQueue<(string Writer, long At, string Error)> _failedWrites = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    /// <param name="reader">The client whose near-cache the readers read through (it also writes, as one of the writers).</param>
    /// <param name="keys">The keys read and written.</param>
    /// <param name="readers">How many reader tasks.</param>
    /// <param name="httpWriters">The HTTP APIs the other writers write through, one writer each, by name.</param>
    public NearCacheWorkload(IHotDataClient reader, IReadOnlyList<string> keys, int readers, IReadOnlyList<(string Name, HttpClient Http)> httpWriters)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(httpWriters);
        _reader = reader;
        _keys = keys;
        _reads = [.. Enumerable.Range(0, readers).Select(_ => new List<NearCacheRead>(capacity: 1 << 16))];
        _writers = [("sdk", SdkWrite), .. httpWriters.Select(w => (w.Name, HttpWrite(w.Http)))];
    }

    /// <summary>The writes acknowledged so far.</summary>
    public IReadOnlyList<AcknowledgedWrite> Writes => [.. _writes];

    /// <summary>Each reader's reads in its order; only complete after <see cref="StopAsync"/>.</summary>
    public IReadOnlyList<IReadOnlyList<NearCacheRead>> Reads => _reads;

    /// <summary>Writes that failed or timed out (their outcome is unknown), with when they ended.</summary>
    public int FailedWrites => _failedWrites.Count;

    /// <summary>Reads that failed or timed out.</summary>
    public int FailedReads => _failedReads.Count;

    /// <summary>Records a write made before the workload started (the keys' first values).</summary>
    public void Acknowledged(int key, long version) => _writes.Enqueue(new AcknowledgedWrite(key, Stopwatch.GetTimestamp(), version));

    /// <summary>Starts the readers and writers.</summary>
    public void Start()
    {
        var token = _stop.Token;
        _running = Task.WhenAll(
            Task.WhenAll(_reads.Select(reads => Task.Run(() => ReadLoopAsync(reads, token), CancellationToken.None))),
            Task.WhenAll(_writers.Select(writer => Task.Run(() => WriteLoopAsync(writer.Name, writer.Write, token), CancellationToken.None))));
    }

    /// <summary>Whether every key has a write acknowledged after <paramref name="since"/>.</summary>
    public bool EveryKeyWrittenSince(long since) =>
        _writes.Where(w => w.AcknowledgedAt > since).Select(w => w.Key).Distinct().Count() == _keys.Count;

    /// <summary>Writes acknowledged after <paramref name="since"/>.</summary>
    public int WritesAcknowledgedSince(long since) => _writes.Count(w => w.AcknowledgedAt > since);

    /// <summary>The failed writes, summarized for the test output.</summary>
    public string DescribeFailedWrites(long origin)
    {
        var failed = _failedWrites.ToList();
        if (failed.Count == 0)
        {
            return "no write failed";
        }

        var kinds = failed.GroupBy(f => (f.Writer, Error: f.Error.Length > 100 ? f.Error[..100] : f.Error))
            .OrderByDescending(g => g.Count())
            .Take(4)
            .Select(g => $"{g.Count()}× {g.Key.Writer}: {g.Key.Error}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{failed.Count} writes failed between {Seconds(failed.Min(f => f.At) - origin)} s and {Seconds(failed.Max(f => f.At) - origin)} s: {string.Join("; ", kinds)}");
    }

    /// <summary>The failed reads, summarized for the test output.</summary>
    public string DescribeFailedReads(long origin)
    {
        var failed = _failedReads.ToList();
        return failed.Count == 0
            ? "no read failed"
            : string.Create(CultureInfo.InvariantCulture, $"{failed.Count} reads failed between {Seconds(failed.Min() - origin)} s and {Seconds(failed.Max() - origin)} s");
    }

    /// <summary>Stops the readers and writers and waits for them.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private static string Seconds(long ticks) => (ticks / (double)Stopwatch.Frequency).ToString("0.0", CultureInfo.InvariantCulture);

    private async Task ReadLoopAsync(List<NearCacheRead> reads, CancellationToken stop)
    {
        var order = Enumerable.Range(0, _keys.Count).ToArray();
        while (!stop.IsCancellationRequested)
        {
            Random.Shared.Shuffle(order);
            foreach (var key in order)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    timeout.CancelAfter(CallTimeout);
                    var item = await _reader.GetAsync<JsonElement>(_keys[key], timeout.Token);
                    reads.Add(new NearCacheRead(key, started, item?.Version ?? 0));
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception)
                {
                    // A read of a key whose grain was on the dead silo can fail until the cluster has recovered.
                    _failedReads.Enqueue(Stopwatch.GetTimestamp());
                }
            }

            try
            {
                await Task.Delay(ReaderPause, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WriteLoopAsync(string name, Func<string, int, CancellationToken, Task<long>> write, CancellationToken stop)
    {
        var number = 0;
        while (!stop.IsCancellationRequested)
        {
            var key = Random.Shared.Next(_keys.Count);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(CallTimeout);
                var version = await write(_keys[key], ++number, timeout.Token);
                _writes.Enqueue(new AcknowledgedWrite(key, Stopwatch.GetTimestamp(), version));
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The write's outcome is unknown: it may have been applied. Only acknowledged versions are checked against.
                _failedWrites.Enqueue((name, Stopwatch.GetTimestamp(), ex.GetType().Name + ": " + ex.Message));
            }

            try
            {
                await Task.Delay(WriterPause, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<long> SdkWrite(string key, int number, CancellationToken cancellationToken) =>
        (await _reader.SetAsync(key, new { writer = "sdk", number }, cancellationToken: cancellationToken)).Version;

    private static Func<string, int, CancellationToken, Task<long>> HttpWrite(HttpClient http) => async (key, number, cancellationToken) =>
    {
        using var content = new StringContent(
            string.Create(CultureInfo.InvariantCulture, $$"""{"writer":"http","number":{{number}}}"""),
            Encoding.UTF8,
            new MediaTypeHeaderValue("application/json"));
        using var response = await http.PutAsync("/v1/keys/" + Uri.EscapeDataString(key), content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpWriteException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        }

        return ParseVersion(response.Headers.ETag);
    };

    /// <summary>The version an HTTP answer's entity tag (<c>"7"</c>) carries.</summary>
    public static long ParseVersion(EntityTagHeaderValue? etag) =>
        etag is not null && long.TryParse(etag.Tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new InvalidOperationException($"The answer's ETag '{etag}' is not a version.");
}
