using Orleans.Configuration;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// When a silo lets go of idle keys: Orleans' <see cref="GrainCollectionOptions"/>, bound from
/// <c>Orleans:GrainCollection</c> over defaults set here from the measured cost of an active key.
/// </summary>
/// <remarks>
/// An active key costs its silo about 6 KB of live heap (a heap dump of one silo fed 30,000 new keys through Kafka: the
/// Orleans activation about 2.5 KB, its stream subscription about 1.5 KB, the pulling agent's state for its stream
/// about 0.8 KB, the key's data about 0.6 KB), and nothing that is not in Redis is lost by deactivating it: the next
/// call or record reloads it with one Redis read. So idle keys are let go sooner than Orleans' 15 minutes, and a silo
/// whose memory fills up sheds the longest-idle keys before the process runs out, which Orleans leaves off by default.
/// A watched key stays active: its watchers renew their subscription every 30 seconds.
/// </remarks>
public static class GrainCollectionOptionsSetup
{
    /// <summary>The configuration section bound over the defaults; any <see cref="GrainCollectionOptions"/> property can be set there.</summary>
    public const string SectionName = "Orleans:GrainCollection";

    /// <summary>How long a key stays active without a call or record (Orleans: 15 min).</summary>
    public static readonly TimeSpan DefaultCollectionAge = TimeSpan.FromMinutes(10);

    /// <summary>Whether a silo deactivates its longest-idle keys when its memory fills up (Orleans: off).</summary>
    public const bool DefaultEnableActivationSheddingOnMemoryPressure = true;

    /// <summary>
    /// The share of the memory available to the process (its container's limit, else the collector's high-load
    /// threshold of the machine), in percent, at which shedding starts (as Orleans).
    /// </summary>
    public const double DefaultMemoryUsageLimitPercentage = 80;

    /// <summary>
    /// The share, in percent, shedding brings the process back to (Orleans: 75). Lower than Orleans' default so that one
    /// round of shedding frees enough not to start again at the next poll.
    /// </summary>
    public const double DefaultMemoryUsageTargetPercentage = 70;

    /// <summary>Sets this project's defaults on <paramref name="options"/>.</summary>
    public static void ApplyDefaults(GrainCollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.CollectionAge = DefaultCollectionAge;
        options.EnableActivationSheddingOnMemoryPressure = DefaultEnableActivationSheddingOnMemoryPressure;
        options.MemoryUsageLimitPercentage = DefaultMemoryUsageLimitPercentage;
        options.MemoryUsageTargetPercentage = DefaultMemoryUsageTargetPercentage;
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per setting, each naming it.</summary>
    public static IEnumerable<string> Problems(GrainCollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, value) in new[]
        {
            (nameof(options.CollectionQuantum), options.CollectionQuantum),
            (nameof(options.ActivationTimeout), options.ActivationTimeout),
            (nameof(options.DeactivationTimeout), options.DeactivationTimeout),
            (nameof(options.MemoryUsagePollingPeriod), options.MemoryUsagePollingPeriod),
        })
        {
            if (SiloOptionsRegistration.NotPositive(SectionName, name, value, "00:01:00") is { } problem)
            {
                yield return problem;
            }
        }

        if (options.CollectionAge <= options.CollectionQuantum)
        {
            yield return $"{SectionName}:{nameof(options.CollectionAge)} is {options.CollectionAge}: it must be longer than {nameof(options.CollectionQuantum)} ({options.CollectionQuantum}), such as the default {DefaultCollectionAge}.";
        }

        foreach (var (grainType, age) in options.ClassSpecificCollectionAge)
        {
            if (age <= options.CollectionQuantum)
            {
                yield return $"{SectionName}:{nameof(options.ClassSpecificCollectionAge)}:{grainType} is {age}: it must be longer than {nameof(options.CollectionQuantum)} ({options.CollectionQuantum}).";
            }
        }

        foreach (var (name, value) in new[] { (nameof(options.MemoryUsageLimitPercentage), options.MemoryUsageLimitPercentage), (nameof(options.MemoryUsageTargetPercentage), options.MemoryUsageTargetPercentage) })
        {
            if (!(value is > 0 and <= 100))
            {
                yield return $"{SectionName}:{name} is {value}: it must be a percentage above 0 and at most 100.";
            }
        }

        if (options.MemoryUsageTargetPercentage >= options.MemoryUsageLimitPercentage)
        {
            yield return $"{SectionName}:{nameof(options.MemoryUsageTargetPercentage)} is {options.MemoryUsageTargetPercentage}: it must be below {nameof(options.MemoryUsageLimitPercentage)} ({options.MemoryUsageLimitPercentage}), or shedding would never end.";
        }
    }
}
