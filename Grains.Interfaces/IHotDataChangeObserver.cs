namespace OrleansHotData;

/// <summary>
/// Receives the changes of the keys it watches. One per process and key: the process fans the notifications out to
/// its own watchers. Calls are one-way, so the key's grain never waits for a watcher.
/// </summary>
public interface IHotDataChangeObserver : IGrainObserver
{
    /// <summary>A change was applied to a watched key.</summary>
    /// <param name="notification">The key's state after the change.</param>
    void OnChanged(HotDataNotification notification);
}
