using System.Diagnostics;

namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>
/// A fixed number of callers, each issuing its next request as soon as the previous one answered, for a warm-up and
/// then a measured period.
/// </summary>
public static class ClosedLoopLoad
{
    /// <summary>What the measured period did.</summary>
    /// <param name="Operations">Requests completed in the measured period.</param>
    /// <param name="Errors">Requests that failed in the measured period.</param>
    /// <param name="Seconds">The measured period's length.</param>
    /// <param name="LatenciesMs">Every measured request's latency, sorted, in milliseconds.</param>
    public sealed record Outcome(long Operations, long Errors, double Seconds, double[] LatenciesMs)
    {
        /// <summary>CPU time the silos used during the measured period, when measured.</summary>
        public TimeSpan SiloCpu { get; init; }

        /// <summary>CPU time the benchmark process (the callers, and the embedded broker idling) used during the measured period, when measured.</summary>
        public TimeSpan CallerCpu { get; init; }

        /// <summary>Cores of the whole machine busy during the measured period (every process, other users' too), when measured.</summary>
        public double MachineBusyCores { get; init; } = double.NaN;

        public double SiloCpuMsPerThousand => SiloCpu.TotalMilliseconds * 1000 / Math.Max(1, Operations);

        public double CallerCpuMsPerThousand => CallerCpu.TotalMilliseconds * 1000 / Math.Max(1, Operations);

        public double PerSecond => Operations / Seconds;

        public double P50 => LatencyRecorder.Percentile(LatenciesMs, 50);

        public double P99 => LatencyRecorder.Percentile(LatenciesMs, 99);
    }

    /// <param name="callers">Concurrent callers.</param>
    /// <param name="warmUp">Time before the measured period.</param>
    /// <param name="duration">The measured period.</param>
    /// <param name="operation">One request.</param>
    /// <param name="cpuClock">CPU time of the processes serving the requests, read at the start and the end of the measured period.</param>
    /// <param name="cancellationToken">Stops the callers.</param>
    public static async Task<Outcome> RunAsync(int callers, TimeSpan warmUp, TimeSpan duration, Func<Random, Task> operation, Func<TimeSpan>? cpuClock, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var recorders = new LatencyRecorder[callers];
        var errors = new long[callers];
        var tasks = new Task[callers];
        for (var i = 0; i < callers; i++)
        {
            var index = i;
            recorders[index] = new LatencyRecorder();
            tasks[index] = Task.Run(
                async () =>
                {
                    var random = new Random(index * 7919 + 17);
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        var before = Stopwatch.GetTimestamp();
                        if (before >= measureUntil)
                        {
                            return;
                        }

                        var failed = false;
                        var completedAt = before;
                        try
                        {
                            var request = operation(random);
                            if (request.IsCompleted)
                            {
                                // An answer from memory completes at once: without a yield a caller would keep its
                                // thread for the whole run, the 64 callers would not take turns, and the thread pool
                                // work of the client (the pushes and heartbeats that keep the near-cache confirmed,
                                // the timers) would wait behind them.
                                completedAt = Stopwatch.GetTimestamp();
                                await request;
                                await Task.Yield();
                            }
                            else
                            {
                                await request;
                                completedAt = Stopwatch.GetTimestamp();
                            }
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            failed = true;
                        }

                        if (before >= measureFrom)
                        {
                            if (failed)
                            {
                                errors[index]++;
                            }
                            else
                            {
                                recorders[index].Add(completedAt - before);
                            }
                        }
                    }
                },
                cancellationToken);
        }

        var cpu = TimeSpan.Zero;
        var callerCpu = TimeSpan.Zero;
        var busyCores = double.NaN;
        if (cpuClock is not null)
        {
            await Task.Delay(warmUp, cancellationToken);
            var before = cpuClock();
            var callerBefore = ProcessCpu();
            var machineBefore = MachineCpu();
            await Task.Delay(duration, cancellationToken);
            cpu = cpuClock() - before;
            callerCpu = ProcessCpu() - callerBefore;
            var machineAfter = MachineCpu();
            busyCores = (machineAfter.Busy - machineBefore.Busy) / (double)Math.Max(1, machineAfter.Total - machineBefore.Total) * Environment.ProcessorCount;
        }

        await Task.WhenAll(tasks);
        var latencies = LatencyRecorder.MergeMilliseconds(recorders);
        return new Outcome(latencies.Length, errors.Sum(), duration.TotalSeconds, latencies) { SiloCpu = cpu, CallerCpu = callerCpu, MachineBusyCores = busyCores };
    }

    /// <summary>The machine's CPU time so far, busy and in all, in clock ticks (the first line of /proc/stat); zeros where there is none.</summary>
    private static (long Busy, long Total) MachineCpu()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal …: idle and iowait are the idle time.
            var total = fields.Take(8).Sum();
            return (total - fields[3] - fields[4], total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0);
        }
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
