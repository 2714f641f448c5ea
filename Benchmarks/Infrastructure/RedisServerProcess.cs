using System.Globalization;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks.Infrastructure;

/// <summary>
/// A <c>redis-server</c> of the benchmark's own on a free loopback port, persistence off (no RDB snapshots, no
/// append-only file): the system and the baselines write to this same server, so neither pays for disk.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;
    private int _disposed;

    private RedisServerProcess(ChildProcess process, int port, string directory, ConnectionMultiplexer connection)
    {
        _process = process;
        Port = port;
        _directory = directory;
        Connection = connection;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The benchmark's own connection (the baselines' and the measurements').</summary>
    public ConnectionMultiplexer Connection { get; }

    public ChildProcess Process => _process;

    public static async Task<RedisServerProcess> StartAsync(string logDirectory, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("hotdata-bench-redis-").FullName;
        var process = ChildProcess.Start(
            "redis-server",
            "redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory],
            Path.Combine(logDirectory, "redis.log"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited: {process.Tail()}");
            }

            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=true,connectTimeout=1000,allowAdmin=true");
                return new RedisServerProcess(process, port, directory, connection);
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>The server's <c>used_memory</c> in bytes.</summary>
    public async Task<long> UsedMemoryAsync()
    {
        var server = Connection.GetServer(Connection.GetEndPoints()[0]);
        var info = await server.InfoAsync("memory");
        var value = info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value;
        return long.Parse(value, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Connection.DisposeAsync();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
