namespace OrleansHotData.Silo.Health;

/// <summary>
/// Follows the silo's lifecycle: it is up from the moment every stage up to <see cref="ServiceLifecycleStage.Active"/>
/// has started (membership joined, stream agents running) until the silo starts to stop.
/// </summary>
public sealed class SiloLifecycleReadiness : ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool _active;

    /// <summary>Whether the silo has become active and is not stopping.</summary>
    public bool IsActive => _active;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(
            nameof(SiloLifecycleReadiness),
            ServiceLifecycleStage.Active,
            _ =>
            {
                _active = true;
                return Task.CompletedTask;
            },
            _ =>
            {
                _active = false;
                return Task.CompletedTask;
            });
    }
}
