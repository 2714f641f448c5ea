using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Hands the partitions out evenly over the active silos: every silo orders the active silos the same way and takes
/// every n-th partition, so with 8 partitions two silos read 4 each and three silos 3, 3 and 2. Orleans' default
/// consistent-ring balancer hashes silos onto a ring, which with a handful of partitions often gives one silo most of
/// them, and with them most of the keys' grains and writes. A silo reads nothing until it is active, and lets go of
/// its partitions as soon as it is no longer active (shutting down), so the survivors take them over without
/// waiting for it to go.
/// </summary>
internal sealed partial class KafkaQueueBalancer(IServiceProvider services, ILogger<KafkaQueueBalancer> logger)
    : QueueBalancerBase(services, logger)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<QueueId> _allQueues = [];
    private IReadOnlyList<QueueId> _myQueues = [];

    public static IStreamQueueBalancer Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<KafkaQueueBalancer>(services);

    /// <summary>
    /// The queues <paramref name="silo"/> reads when <paramref name="activeSilos"/> are active: every n-th of
    /// <paramref name="queues"/>, n being the number of active silos, starting at the silo's place among them in
    /// address order. None when the silo is not active.
    /// </summary>
    public static IReadOnlyList<QueueId> Assign(IReadOnlyList<QueueId> queues, IEnumerable<SiloAddress> activeSilos, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(activeSilos);
        ArgumentNullException.ThrowIfNull(silo);
        var ordered = activeSilos.Distinct().Order().ToList();
        var place = ordered.IndexOf(silo);
        if (place < 0)
        {
            return [];
        }

        var mine = new List<QueueId>();
        for (var i = place; i < queues.Count; i += ordered.Count)
        {
            mine.Add(queues[i]);
        }

        return mine;
    }

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        ArgumentNullException.ThrowIfNull(queueMapper);
        _allQueues = [.. queueMapper.GetAllQueues()];
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues()
    {
        lock (_lock)
        {
            return _myQueues;
        }
    }

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        var mine = Assign(_allQueues, activeSilos, SiloAddress);
        lock (_lock)
        {
            if (mine.SequenceEqual(_myQueues))
            {
                return;
            }

            _myQueues = mine;
        }

        LogAssigned(Logger, mine.Count, _allQueues.Count, activeSilos.Count);
        _ = NotifyAsync();
    }

    private async Task NotifyAsync()
    {
        try
        {
            await NotifyListeners();
        }
        catch (Exception ex)
        {
            LogNotifyFailed(Logger, ex);
        }
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "This silo now reads {Mine} of {All} Kafka partitions ({Silos} active silos)")]
    private static partial void LogAssigned(ILogger logger, int mine, int all, int silos);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Error, Message = "Telling the pulling agents of a new partition assignment failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
