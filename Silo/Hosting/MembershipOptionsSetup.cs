using Orleans.Configuration;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// How fast the cluster notices a dead silo: Orleans' <see cref="ClusterMembershipOptions"/>, bound from
/// <c>Orleans:Membership</c> over defaults tuned here. Until a silo is declared dead, nobody takes over its Kafka
/// partitions and calls to its grain activations fail, so detection time is most of the recovery time after a crash.
/// </summary>
/// <remarks>
/// Orleans' defaults (probe timeout 5 s, table refresh 60 s) declare a crashed silo dead in tens of seconds. Here a
/// silo probes each peer about once a second and suspects it after three consecutive misses, the last one made
/// through another silo, whose failed probe counts as the second vote: a killed silo is declared dead within a few
/// seconds. Against false positives on a busy machine: three misses in a row are still needed, Orleans lengthens the
/// probe timeout while the probing silo itself is unhealthy (<see cref="ClusterMembershipOptions.ExtendProbeTimeoutDuringDegradation"/>),
/// ignores a failed indirect probe whose intermediary is unhealthy, and suppresses votes against a silo whose
/// connection still carries messages (<see cref="ClusterMembershipOptions.EnableConnectionLivenessCheck"/>).
/// </remarks>
public static class MembershipOptionsSetup
{
    /// <summary>The configuration section bound over the defaults; any <see cref="ClusterMembershipOptions"/> property can be set there.</summary>
    public const string SectionName = "Orleans:Membership";

    /// <summary>
    /// The initial probe timeout (Orleans: 5 s). The effective timeout, which is also the period between probes, adapts
    /// to measured round trips between half and four times this value: about 1 s between healthy loopback peers.
    /// </summary>
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive missed probes before a silo votes its peer dead (as Orleans).</summary>
    public const int DefaultNumMissedProbesLimit = 3;

    /// <summary>Votes that declare a silo dead (as Orleans); fewer are needed when the cluster has fewer than four silos.</summary>
    public const int DefaultNumVotesForDeathDeclaration = 2;

    /// <summary>
    /// How often a silo rereads the membership table (Orleans: 60 s). Changes normally spread by gossip at once; this
    /// bounds how long a silo that missed the gossip keeps a stale view. One small Redis read per period.
    /// </summary>
    public static readonly TimeSpan DefaultTableRefreshTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a silo writes its heartbeat to the membership table (Orleans: 30 s). A silo whose heartbeat is three
    /// periods old is treated as stale: it no longer counts towards the votes needed, nor serves as a probe intermediary.
    /// </summary>
    public static readonly TimeSpan DefaultIAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a death vote counts (Orleans: 2 min). Shorter than Orleans' default so that two unrelated hiccups
    /// minutes apart do not add up to a death declaration; still far longer than a detection takes.
    /// </summary>
    public static readonly TimeSpan DefaultDeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Sets this project's defaults on <paramref name="options"/>.</summary>
    public static void ApplyDefaults(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = DefaultProbeTimeout;
        options.NumMissedProbesLimit = DefaultNumMissedProbesLimit;
        options.NumVotesForDeathDeclaration = DefaultNumVotesForDeathDeclaration;
        options.TableRefreshTimeout = DefaultTableRefreshTimeout;
        options.IAmAliveTablePublishTimeout = DefaultIAmAliveTablePublishTimeout;
        options.DeathVoteExpirationTimeout = DefaultDeathVoteExpirationTimeout;
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per setting, each naming it.</summary>
    public static IEnumerable<string> Problems(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, value) in new[]
        {
            (nameof(options.ProbeTimeout), options.ProbeTimeout),
            (nameof(options.MinProbeTimeout), options.MinProbeTimeout),
            (nameof(options.TableRefreshTimeout), options.TableRefreshTimeout),
            (nameof(options.IAmAliveTablePublishTimeout), options.IAmAliveTablePublishTimeout),
            (nameof(options.DeathVoteExpirationTimeout), options.DeathVoteExpirationTimeout),
        })
        {
            if (SiloOptionsRegistration.NotPositive(SectionName, name, value, "00:00:02") is { } problem)
            {
                yield return problem;
            }
        }

        if (options.MaxProbeTimeout < options.MinProbeTimeout)
        {
            yield return $"{SectionName}:{nameof(options.MaxProbeTimeout)} ({options.MaxProbeTimeout}) is shorter than {nameof(options.MinProbeTimeout)} ({options.MinProbeTimeout}).";
        }

        if (options.NumMissedProbesLimit < 1)
        {
            yield return $"{SectionName}:{nameof(options.NumMissedProbesLimit)} must be at least 1, not {options.NumMissedProbesLimit}.";
        }

        if (options.NumVotesForDeathDeclaration < 1 || options.NumVotesForDeathDeclaration > options.NumProbedSilos)
        {
            yield return $"{SectionName}:{nameof(options.NumVotesForDeathDeclaration)} must be from 1 to {nameof(options.NumProbedSilos)} ({options.NumProbedSilos}), not {options.NumVotesForDeathDeclaration}.";
        }
    }
}
