namespace OrleansHotData.Silo.Hosting;

/// <summary>How long a stopping silo may take; bound from the <c>Shutdown</c> section.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// The time a silo has after SIGTERM to stop taking requests, hand its partitions over (committing their offsets),
    /// deactivate its grains and leave the cluster. Default 30 s. Past it, plus a short margin, the process exits anyway.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = DefaultGracePeriod;

    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>The longest grace period accepted: beyond it a hung shutdown would hold the silo's ports and partitions for too long.</summary>
    public static readonly TimeSpan MaxGracePeriod = TimeSpan.FromHours(1);

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per setting, each naming it.</summary>
    public static IEnumerable<string> Problems(ShutdownOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GracePeriod <= TimeSpan.Zero || options.GracePeriod > MaxGracePeriod)
        {
            yield return $"{SectionName}:{nameof(GracePeriod)} is {options.GracePeriod}: it must be a positive time span of at most {MaxGracePeriod}, such as the default {DefaultGracePeriod}.";
        }
    }
}
