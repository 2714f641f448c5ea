using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansHotData.Grains.Storage;

namespace OrleansHotData.Grains.Changelog;

/// <summary>
/// Sends the changelog outboxes a crashed silo left behind. A grain publishes its stored outbox when it is activated,
/// but a key nobody writes or reads again after its silo died would never be activated: its acknowledged change would
/// reach Redis and never the changelog. So when the cluster declares a silo dead, and when the silo starts (the
/// whole cluster may have crashed), one silo — the active one with the lowest address — activates every key that
/// storage lists as holding an outbox (<see cref="HotDataGrainStorage.KeysWithOutboxAsync"/>); each activation
/// publishes what it stored. Keys already active elsewhere answer a read and are left as they are.
/// </summary>
public sealed partial class ChangelogRecovery(
    ChangelogPublisher changelog,
    IServiceProvider services,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IGrainFactory grains,
    ILogger<ChangelogRecovery> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>How many keys a recovery activates at once.</summary>
    public const int Concurrency = 64;

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    private int _disposed;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ChangelogRecovery), ServiceLifecycleStage.Active, Start, Stop);
    }

    private Task Start(CancellationToken cancellationToken)
    {
        if (changelog.Enabled && services.GetKeyedService<IGrainStorage>(HotDataConstants.StorageName) is HotDataGrainStorage storage)
        {
            _loop = Task.Run(() => WatchMembershipAsync(storage, _stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task WatchMembershipAsync(HotDataGrainStorage storage, CancellationToken cancellationToken)
    {
        HashSet<SiloAddress>? dead = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var nowDead = snapshot.Members.Where(m => m.Value.Status == SiloStatus.Dead).Select(m => m.Key).ToHashSet();
                var reason = dead is null
                    ? "this silo started"
                    : nowDead.Except(dead).Select(s => s.ToString()).FirstOrDefault() is { } died ? $"silo {died} was declared dead" : null;
                dead = nowDead;
                if (reason is not null && IsRecoverer(snapshot))
                {
                    await RecoverAsync(storage, reason, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    // One silo recovers, so that the keys are not activated N times: the active silo with the lowest address. A silo
    // that dies during a recovery is itself declared dead, and the next one recovers again.
    private bool IsRecoverer(ClusterMembershipSnapshot snapshot) =>
        snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)
            .FirstOrDefault() is { } first && first.Equals(silo.SiloAddress);

    /// <summary>Activates every key storage lists with an outbox; returns how many it reached.</summary>
    public async Task<long> RecoverAsync(HotDataGrainStorage storage, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var started = Stopwatch.GetTimestamp();
        long reached = 0, failed = 0;
        try
        {
            await Parallel.ForEachAsync(
                storage.KeysWithOutboxAsync(cancellationToken),
                new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                async (key, _) =>
                {
                    try
                    {
                        // Any call activates the key where it is not active; the activation sends its stored outbox.
                        await grains.GetGrain<IHotDataGrain>(key).GetAsync();
                        Interlocked.Increment(ref reached);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // Left in storage's list: the next recovery, or the key's next activation, sends it.
                        Interlocked.Increment(ref failed);
                    }
                });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever failed the listing (Redis down, or its connection torn down mid-scan), the membership watch must
            // go on: the next recovery, or each key's next activation, sends what is left.
            LogRecoveryFailed(ex, reason);
            return reached;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        LogRecovered(reason, reached, failed, elapsed.TotalMilliseconds);
        return reached;
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as a lifecycle participant, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _stopping.CancelAsync();
            _stopping.Dispose();
        }
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Changelog recovery ({Reason}): activated {Keys} keys whose stored outbox may hold changes Kafka has not acknowledged ({Failed} could not be reached and wait for their next activation) in {Milliseconds:0} ms")]
    private partial void LogRecovered(string reason, long keys, long failed, double milliseconds);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Changelog recovery ({Reason}) could not list the keys with an outbox; they are sent at their next activation or the next recovery")]
    private partial void LogRecoveryFailed(Exception exception, string reason);
}
