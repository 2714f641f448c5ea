using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace OrleansHotData.Benchmarks.Infrastructure;

/// <summary>
/// Reads the managed heap of another .NET process through its diagnostics port: an event-pipe session with the
/// GC-heap-collect keyword makes the runtime run a full blocking collection (as heap-dump tools do), and the heap
/// statistics it reports at the end of that collection give the bytes of live objects.
/// </summary>
public static class GcHeapProbe
{
    private const long GcKeyword = (long)ClrTraceEventParser.Keywords.GC;
    private const long GcHeapCollectKeyword = (long)ClrTraceEventParser.Keywords.GCHeapCollect;

    /// <summary>Induces a full collection in process <paramref name="processId"/> and returns its live heap bytes.</summary>
    public static async Task<long> LiveHeapBytesAsync(int processId, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(processId);
        var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword) };
        using var session = await client.StartEventPipeSessionAsync(providers, requestRundown: false, token: CancellationToken.None);
        using var source = new EventPipeEventSource(session.EventStream);
        var result = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fullCollection = false;
        source.Clr.GCStart += e => fullCollection |= e.Depth == 2;
        source.Clr.GCHeapStats += e =>
        {
            if (fullCollection)
            {
                result.TrySetResult(e.TotalHeapSize);
            }
        };
        var processing = Task.Run(source.Process);
        try
        {
            return await result.Task.WaitAsync(timeout);
        }
        finally
        {
            try
            {
                await session.StopAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or IOException or TimeoutException)
            {
            }

            await processing.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
