using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace OrleansHotData.Cluster;

/// <summary>How to start a <see cref="ChildProcess"/>.</summary>
/// <param name="Name">A name for messages, such as <c>silo-0</c>.</param>
/// <param name="FileName">The program.</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="LogPath">Where its standard output and error go (the file is replaced).</param>
public sealed record ChildProcessStart(string Name, string FileName, IReadOnlyList<string> Arguments, string LogPath)
{
    /// <summary>Variables to set; a null value removes an inherited variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Inherited variables to remove, by name prefix (case-insensitive), before <see cref="Environment"/> applies.</summary>
    public IReadOnlyList<string> DropInheritedPrefixes { get; init; } = [];

    /// <summary>The working directory; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }
}

/// <summary>
/// A process started by this one, with its output in a log file, acted on by its process id only.
/// It runs in a session of its own (so a Ctrl-C in the terminal reaches only this program, which then stops its
/// children in order) and, where util-linux's <c>setpriv</c> exists, with a parent-death signal: if this program dies
/// without its clean-up (<c>kill -9</c>), the kernel kills its children. Every child still running is killed on
/// <see cref="DisposeAsync"/>, when this program exits, and on a Ctrl-C that nothing else handles.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 60;
    private const int SigTerm = 15;

    private static readonly List<ChildProcess> Running = [];
    private static readonly Lazy<Spawner> SharedSpawner = new(() => new Spawner());
    private static readonly string? SetPriv = FindOnPath("setpriv");
    private static readonly string? SetSid = FindOnPath("setsid");
    private static int _exitHooked;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logSync = new();
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;
    private bool _logClosed;
    private int _disposed;

    private ChildProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    /// <summary>A name for messages.</summary>
    public string Name { get; }

    /// <summary>The process id (that of the program itself: <c>setsid</c> and <c>setpriv</c> exec it in place).</summary>
    public int Id => _process.Id;

    /// <summary>Where the standard output and error go.</summary>
    public string LogPath { get; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process has ended and its last output lines are in the log.</summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await WaitForOutputAsync();
    }

    /// <summary>Starts a process as <paramref name="start"/> says.</summary>
    public static ChildProcess Start(ChildProcessStart start)
    {
        HookExit();
        var info = new ProcessStartInfo(SetSid ?? start.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = start.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        // setsid (the child is not a process-group leader, so it does not fork) and setpriv both exec what follows.
        if (SetSid is not null)
        {
            if (SetPriv is not null)
            {
                info.ArgumentList.Add(SetPriv);
                info.ArgumentList.Add("--pdeathsig");
                info.ArgumentList.Add("KILL");
                info.ArgumentList.Add("--");
            }

            info.ArgumentList.Add(start.FileName);
        }

        foreach (var argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var variable in info.Environment.Keys.Where(k => start.DropInheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            info.Environment.Remove(variable);
        }

        foreach (var (key, value) in start.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(start.LogPath))!);
        var log = new StreamWriter(start.LogPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        try
        {
            SharedSpawner.Value.Start(process);
        }
        catch
        {
            process.Dispose();
            log.Dispose();
            throw;
        }

        var child = new ChildProcess(start.Name, process, log, start.LogPath);
        lock (Running)
        {
            Running.Add(child);
        }

        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnOutput(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return child;
    }

    /// <summary>Kills the process (SIGKILL), as a crash or <c>kill -9</c> would, and waits for it to end.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already gone, or never started.
        }
    }

    /// <summary>Sends SIGTERM (what an orchestrator or Ctrl-C does) without waiting.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(Id, SigTerm);
        }
    }

    /// <summary>
    /// Sends SIGTERM and waits up to <paramref name="grace"/> for the process to end, then kills it. Returns the exit
    /// code, or null when it had to be killed.
    /// </summary>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        Terminate();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            Kill();
            await WaitForOutputAsync();
            return null;
        }

        await WaitForOutputAsync();
        return _process.ExitCode;
    }

    /// <summary>The last lines of the output (up to 60).</summary>
    public string Tail(int lines = 15)
    {
        lock (_logSync)
        {
            return string.Join(System.Environment.NewLine, _tail.TakeLast(lines));
        }
    }

    /// <summary>Where the log is and how it ends, for failure messages.</summary>
    public string DescribeLog() => $"Log {LogPath}, last lines:{System.Environment.NewLine}{Tail(TailLines)}";

    /// <summary>The output lines so far that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text)
    {
        lock (_logSync)
        {
            if (!_logClosed)
            {
                _log.Flush();
            }
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>Resident memory of the process in bytes (VmRSS from /proc).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kib * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {Id}.");
    }

    /// <summary>CPU time the process has used so far, user and system (utime + stime from /proc).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");
        // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        // sysconf(_SC_CLK_TCK) is 100 on Linux for every architecture .NET runs on.
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>Kills every child still running; the last resort when this program exits without its clean-up.</summary>
    public static void KillAllStillRunning()
    {
        ChildProcess[] running;
        lock (Running)
        {
            running = [.. Running];
        }

        foreach (var child in running)
        {
            child.Kill();
        }
    }

    /// <summary>Kills the process if it still runs and closes its log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Kill();
        await WaitForOutputAsync();
        lock (_logSync)
        {
            _logClosed = true;
            _log.Dispose();
        }

        lock (Running)
        {
            Running.Remove(this);
        }

        _process.Dispose();
    }

    // The exit is seen before the last output lines arrive; let them reach the log.
    private Task WaitForOutputAsync() =>
        _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);

    private void OnOutput(string? line)
    {
        lock (_logSync)
        {
            if (line is null)
            {
                if (--_openStreams == 0)
                {
                    _outputClosed.TrySetResult();
                }

                return;
            }

            if (!_logClosed)
            {
                _log.WriteLine(line);
            }

            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    private static void HookExit()
    {
        if (Interlocked.Exchange(ref _exitHooked, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllStillRunning();
        // A Ctrl-C that no handler registered before this one cancels ends the program: its children go with it. A
        // program that handles Ctrl-C itself (and stops its children in order) registers its handler first.
        Console.CancelKeyPress += (_, e) =>
        {
            if (!e.Cancel)
            {
                KillAllStillRunning();
            }
        };
    }

    private static string? FindOnPath(string program)
    {
        var directories = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append("/usr/bin").Append("/bin").Append("/usr/sbin").Append("/sbin");
        return directories.Where(d => d.Length > 0).Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
    }

    /// <summary>Finds <paramref name="program"/> on the PATH (and the usual system folders); null when absent.</summary>
    public static string? Which(string program) => FindOnPath(program);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>
    /// Starts processes from one thread that lives as long as this program: the kernel sends the parent-death signal
    /// when the thread that forked the child ends, not the process, and a pool thread may retire at any time.
    /// </summary>
    private sealed class Spawner
    {
        private readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> _requests = [];

        public Spawner()
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "child-process-spawner" };
            thread.Start();
        }

        public void Start(Process process)
        {
            var started = new TaskCompletionSource();
            _requests.Add((process, started));
            started.Task.GetAwaiter().GetResult();
        }

        private void Run()
        {
            foreach (var (process, started) in _requests.GetConsumingEnumerable())
            {
                try
                {
                    if (!process.Start())
                    {
                        throw new InvalidOperationException($"{process.StartInfo.FileName} did not start.");
                    }

                    started.SetResult();
                }
                catch (Exception ex)
                {
                    started.SetException(ex);
                }
            }
        }
    }
}
