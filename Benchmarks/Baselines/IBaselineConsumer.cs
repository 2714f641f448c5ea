namespace OrleansHotData.Benchmarks.Baselines;

/// <summary>A baseline's consumer loop as the ingest scenario drives and times it.</summary>
public interface IBaselineConsumer : IDisposable
{
    /// <summary>Records written to Redis (and confirmed) so far.</summary>
    long Applied { get; }

    /// <summary>The stopwatch timestamp of the last write.</summary>
    long LastAppliedAt { get; }

    /// <summary>Starts the consume loop on a thread of its own; it runs until <paramref name="cancellationToken"/> fires.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Waits until the consumer has its partitions, so that joining the group is not part of a measurement.</summary>
    Task WaitForAssignmentAsync(TimeSpan timeout);
}
