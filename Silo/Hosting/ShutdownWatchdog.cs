using Microsoft.Extensions.Options;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// Bounds shutdown: a silo whose stop hangs (for example waiting on an unreachable Redis to leave the membership
/// table) exits once the grace period and a margin have passed, rather than keeping its ports and partitions.
/// </summary>
internal sealed partial class ShutdownWatchdog(
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> settings,
    ILogger<ShutdownWatchdog> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(10);
    private CancellationTokenRegistration _registration;
    private Timer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            var limit = settings.Value.GracePeriod + Margin;
            _timer = new Timer(_ =>
            {
                LogShutdownOverdue(limit);
                Environment.Exit(3);
            }, null, limit, Timeout.InfiniteTimeSpan);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Disposed only when the host itself is disposed, that is after a shutdown that finished in time.
    public void Dispose()
    {
        _registration.Dispose();
        _timer?.Dispose();
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Critical, Message = "Shutdown did not finish within {Limit}; exiting")]
    private partial void LogShutdownOverdue(TimeSpan limit);
}
