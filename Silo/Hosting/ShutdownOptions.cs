namespace OrleansHotData.Silo.Hosting;

/// <summary>How long a stopping silo may take; bound from the <c>Shutdown</c> section.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// The time a silo has after SIGTERM to stop taking requests, hand its partitions over (committing their offsets),
    /// deactivate its grains and leave the cluster. Default 30 s. Past it, plus a short margin, the process exits anyway.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}
