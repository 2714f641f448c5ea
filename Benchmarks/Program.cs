using System.Runtime.InteropServices;
using OrleansHotData.Benchmarks;
using OrleansHotData.Cluster;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The run unwinds and stops what it started, in order.
    e.Cancel = true;
    Console.Error.WriteLine("[bench] interrupted; stopping what the benchmark started");
    cancellation.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});
AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAllStillRunning();

try
{
    var report = await BenchmarkRun.RunAsync(options, cancellation.Token);
    var output = BenchmarkRun.OutputDirectory();
    Directory.CreateDirectory(output);
    await File.WriteAllTextAsync(Path.Combine(output, "results.json"), report.ToJson());
    await File.WriteAllTextAsync(Path.Combine(output, "results.md"), report.ToMarkdown());
    Console.WriteLine();
    Console.Write(report.ToText());
    Console.WriteLine();
    Console.WriteLine($"Written to {Path.Combine(output, "results.json")} and results.md");
    return 0;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("[bench] cancelled");
    return 130;
}
catch (Exception ex)
{
    await Console.Error.WriteLineAsync($"[bench] failed: {ex}");
    return 1;
}
finally
{
    ChildProcess.KillAllStillRunning();
}
