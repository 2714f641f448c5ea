using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace OrleansHotData.Cluster;

/// <summary>How to run a <see cref="RedisProcess"/>.</summary>
public sealed record RedisOptions
{
    /// <summary>Fsync every write to an append-only file, so every acknowledged write survives a kill and restart.</summary>
    public bool Durable { get; init; }

    /// <summary>A password clients must give (then part of <see cref="RedisProcess.ConnectionString"/>).</summary>
    public string? Password { get; init; }

    /// <summary>Serve TLS only, with this certificate (clients are not asked for one).</summary>
    public RedisTls? Tls { get; init; }

    /// <summary>The port; a free one when null.</summary>
    public int? Port { get; init; }

    /// <summary>The data folder; a new temporary one, deleted on dispose, when null.</summary>
    public string? Directory { get; init; }

    /// <summary>Where the server's output goes; <c>redis.log</c> in the data folder when null.</summary>
    public string? LogPath { get; init; }
}

/// <summary>The PEM files of a TLS <c>redis-server</c>.</summary>
public sealed record RedisTls(string CertificatePath, string KeyPath, string AuthorityPath);

/// <summary>
/// A <c>redis-server</c> of our own on a loopback port, without RDB snapshots (and without an append-only file unless
/// durable). Acted on by its process id only; can be killed and restarted on the same port and data.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly string _directory;
    private readonly bool _ownsDirectory;
    private readonly string _logPath;
    private readonly List<ChildProcess> _ended = [];
    private ChildProcess? _process;
    private int _starts;

    private RedisProcess(RedisOptions options, int port, string directory, bool ownsDirectory)
    {
        _options = options;
        Port = port;
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        _logPath = options.LogPath ?? Path.Combine(directory, "redis.log");
    }

    /// <summary>The port it listens on (the TLS port for a TLS server).</summary>
    public int Port { get; }

    /// <summary>The data folder.</summary>
    public string DataDirectory => _directory;

    /// <summary>The StackExchange.Redis connection string.</summary>
    public string ConnectionString
    {
        get
        {
            var text = $"127.0.0.1:{Port}";
            if (_options.Password is not null)
            {
                text += $",password={_options.Password}";
            }

            return _options.Tls is null ? text : text + ",ssl=true";
        }
    }

    /// <summary>The running server process; null after <see cref="Kill"/>.</summary>
    public ChildProcess? Process => _process;

    /// <summary>Whether the server runs (not killed, not exited).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server and waits until it answers.</summary>
    public static async Task<RedisProcess> StartAsync(RedisOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RedisOptions();
        var directory = options.Directory ?? System.IO.Directory.CreateTempSubdirectory("hotdata-redis-").FullName;
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisProcess(options, options.Port ?? FreePort.Next(), directory, options.Directory is null);
        try
        {
            await server.StartProcessAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Kills the server abruptly (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            process.Kill();
            // Its log is closed on dispose.
            _ended.Add(process);
            _process = null;
        }
    }

    /// <summary>Stops the server with SIGTERM (killed after <paramref name="grace"/>).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is { } process)
        {
            await process.StopAsync(grace);
            await process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Kills the server and starts it again on the same port and data.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Kill();
        return StartProcessAsync(cancellationToken);
    }

    /// <summary>
    /// Starts another server, on a new port, on a copy of this one's data files: what this server had made durable,
    /// for inspection while this one is stopped.
    /// </summary>
    public Task<RedisProcess> StartCopyAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("hotdata-redis-copy-").FullName;
        foreach (var file in System.IO.Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(directory, Path.GetRelativePath(_directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return CopyAsync(directory, cancellationToken);
    }

    private async Task<RedisProcess> CopyAsync(string directory, CancellationToken cancellationToken)
    {
        var copy = new RedisProcess(_options with { Port = null, Directory = directory, LogPath = null }, FreePort.Next(), directory, ownsDirectory: true);
        try
        {
            await copy.StartProcessAsync(cancellationToken);
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }

        return copy;
    }

    /// <summary>Where <c>redis-server</c> is installed; throws saying how to install it when it is not.</summary>
    public static string FindExecutable() =>
        ChildProcess.Which("redis-server")
        ?? throw new InvalidOperationException("redis-server is not installed: run 'apt-get install -y redis-server' (./hotdata does it for you).");

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var arguments = new List<string>();
        if (_options.Tls is { } tls)
        {
            arguments.AddRange(["--port", "0", "--tls-port", port, "--tls-cert-file", tls.CertificatePath, "--tls-key-file", tls.KeyPath,
                "--tls-ca-cert-file", tls.AuthorityPath, "--tls-auth-clients", "no"]);
        }
        else
        {
            arguments.AddRange(["--port", port]);
        }

        arguments.AddRange(["--bind", "127.0.0.1", "--save", "", "--dir", _directory]);
        arguments.AddRange(_options.Durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]);
        if (_options.Password is not null)
        {
            arguments.AddRange(["--requirepass", _options.Password]);
        }

        // A restart appends to the log instead of replacing what the killed server wrote.
        var logPath = _starts++ == 0 ? _logPath : Path.ChangeExtension(_logPath, null) + $".{_starts}.log";
        var process = ChildProcess.Start(new ChildProcessStart("redis-server", FindExecutable(), arguments, logPath) { WorkingDirectory = _directory });
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken);
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode} on port {Port}. {process.DescribeLog()}");
            }

            if (await AnswersAsync(cancellationToken))
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"redis-server did not answer on port {Port} within 30 s. {process.DescribeLog()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    // Listening, and (without TLS) answering a PING: a server loading its append-only file answers -LOADING.
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            if (_options.Tls is not null)
            {
                return true;
            }

            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"), cancellationToken);
            var buffer = new byte[64];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>Kills the server and deletes its data folder (if it made it).</summary>
    public async ValueTask DisposeAsync()
    {
        Kill();
        foreach (var process in _ended)
        {
            await process.DisposeAsync();
        }

        _ended.Clear();
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
