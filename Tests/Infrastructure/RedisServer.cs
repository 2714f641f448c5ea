using OrleansHotData.Cluster;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> for a test: the cluster harness's <see cref="RedisProcess"/> on a free loopback port, in
/// a scratch directory, without snapshots. Stopped by its own process id; can be killed and restarted on the same
/// port for fault tests.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly RedisProcess _server;
    private readonly string? _password;

    private RedisServer(RedisProcess server, string? password)
    {
        _server = server;
        _password = password;
    }

    public int Port => _server.Port;

    /// <summary>
    /// The address (and password) only: a TLS test states its TLS settings itself, as a silo's <c>Redis:Tls*</c>
    /// settings do, rather than through the connection string.
    /// </summary>
    public string ConnectionString => _password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={_password}";

    /// <summary>Whether the server process is running (not killed, not exited).</summary>
    public bool IsRunning => _server.IsRunning;

    /// <summary>Starts a server; a durable one keeps every acknowledged write across a restart.</summary>
    /// <param name="durable">Fsync every write to an append-only file.</param>
    /// <param name="password">A password clients must give (then part of <see cref="ConnectionString"/>).</param>
    /// <param name="tls">Serve TLS only, with this server certificate (clients are not asked for one).</param>
    public static async Task<RedisServer> StartAsync(bool durable = false, string? password = null, TestCertificates? tls = null) =>
        new(await RedisProcess.StartAsync(new RedisOptions
        {
            Durable = durable,
            Password = password,
            Tls = tls is null ? null : new RedisTls(tls.ServerCertificatePath, tls.ServerKeyPath, tls.AuthorityPath),
        }), password);

    /// <summary>Kills the server abruptly (SIGKILL), as a crash would.</summary>
    public void Kill() => _server.Kill();

    /// <summary>
    /// Starts another server, on a new port, on a copy of this one's data files: what this server had made durable,
    /// for inspection while this one is stopped.
    /// </summary>
    public async Task<RedisServer> StartCopyAsync() => new(await _server.StartCopyAsync(), _password);

    /// <summary>Kills the server and starts it again on the same port and data.</summary>
    public Task RestartAsync() => _server.RestartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
