using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Operations;
using OrleansHotData.Silo.Api;
using OrleansHotData.Silo.Health;

namespace OrleansHotData.Silo.Operations;

/// <summary>Sends this silo's totals to the <see cref="IClusterStatsGrain"/> every few seconds while the silo is active.</summary>
public sealed partial class ClusterStatsReporter(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    SiloLifecycleReadiness lifecycle,
    HotDataMetrics metrics,
    ApiMetrics api,
    IServer server,
    TimeProvider time,
    ILogger<ClusterStatsReporter> logger) : BackgroundService
{
    /// <summary>How often a silo reports.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(2);

    private IClusterStatsGrain Grain => grains.GetGrain<IClusterStatsGrain>(ClusterStatsGrain.Key);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (lifecycle.IsActive)
        {
            try
            {
                await Grain.RemoveAsync(silo.SiloAddress.ToString()).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Its last report ages out instead.
                LogReportFailed(ex);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReportInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!lifecycle.IsActive)
                {
                    continue;
                }

                try
                {
                    var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
                    await Grain.ReportAsync(new SiloStats(silo.SiloAddress.ToString(), urls, time.GetUtcNow(), api.AddTo(metrics.GetTotals())));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogReportFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Reporting this silo's totals to the operations page failed")]
    private partial void LogReportFailed(Exception exception);
}
