namespace OrleansHotData.Tests.Storage;

/// <summary>
/// A silo lifecycle that only collects its participants' start-up steps and runs them in stage order: enough to start a
/// grain storage outside a silo.
/// </summary>
internal sealed class StartedLifecycle : ISiloLifecycle
{
    private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

    public int HighestCompletedStage { get; private set; }

    public int LowestStoppedStage { get; private set; }

    public static async Task StartAsync(ILifecycleParticipant<ISiloLifecycle> participant)
    {
        var lifecycle = new StartedLifecycle();
        participant.Participate(lifecycle);
        foreach (var (stage, observer) in lifecycle._observers.OrderBy(o => o.Stage))
        {
            await observer.OnStart(CancellationToken.None);
            lifecycle.HighestCompletedStage = stage;
        }
    }

    public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
    {
        _observers.Add((stage, observer));
        return new Unsubscriber();
    }

    private sealed class Unsubscriber : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
