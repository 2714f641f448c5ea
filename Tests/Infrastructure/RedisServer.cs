using System.Diagnostics;
using System.Net.Sockets;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in a scratch directory, without persistence. Stopped by its own
/// process id; can be killed and restarted on the same port for fault tests.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private Process? _process;

    private readonly bool _durable;
    private readonly string? _password;
    private readonly TestCertificates? _tls;

    private RedisServer(int port, string directory, bool durable, string? password, TestCertificates? tls = null)
    {
        Port = port;
        _directory = directory;
        _durable = durable;
        _password = password;
        _tls = tls;
    }

    public int Port { get; }

    public string ConnectionString => _password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={_password}";

    /// <summary>Whether the server process is running (not killed, not exited).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server; a durable one keeps every acknowledged write across a restart.</summary>
    /// <param name="durable">Fsync every write to an append-only file.</param>
    /// <param name="password">A password clients must give (then part of <see cref="ConnectionString"/>).</param>
    /// <param name="tls">Serve TLS only, with this server certificate (clients are not asked for one).</param>
    public static async Task<RedisServer> StartAsync(bool durable = false, string? password = null, TestCertificates? tls = null)
    {
        var directory = Directory.CreateTempSubdirectory("hotdata-redis-").FullName;
        var server = new RedisServer(FreePort.Next(), directory, durable, password, tls);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the server abruptly (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>
    /// Starts another server, on a new port, on a copy of this one's data files: what this server had made durable,
    /// for inspection while this one is stopped.
    /// </summary>
    public async Task<RedisServer> StartCopyAsync()
    {
        var directory = Directory.CreateTempSubdirectory("hotdata-redis-copy-").FullName;
        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(directory, Path.GetRelativePath(_directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var copy = new RedisServer(FreePort.Next(), directory, _durable, _password, _tls);
        await copy.StartProcessAsync();
        return copy;
    }

    public Task RestartAsync()
    {
        Kill();
        return StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        var executable = FindExecutable();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] listen = _tls is null
            ? ["--port", port]
            : ["--port", "0", "--tls-port", port, "--tls-cert-file", _tls.ServerCertificatePath, "--tls-key-file", _tls.ServerKeyPath,
                "--tls-ca-cert-file", _tls.AuthorityPath, "--tls-auth-clients", "no"];
        foreach (var arg in listen.Concat(["--bind", "127.0.0.1", "--save", "", "--dir", _directory])
            .Concat(_durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"])
            .Concat(_password is null ? [] : ["--requirepass", _password]))
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} on port {Port}.");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), $"redis-server to listen on port {Port}");
    }

    private static string FindExecutable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server is not installed: run 'apt-get install -y redis-server' (./hotdata test does it for you).");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
