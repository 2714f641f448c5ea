using System.Globalization;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Silo.Operations;

/// <summary>
/// What <c>/ops/cluster</c> answers: this silo, the cluster's membership as this silo sees it, and the Kafka partitions
/// this silo reads now — from the silo itself rather than from its log.
/// </summary>
/// <param name="Now">When this view was taken (UTC).</param>
/// <param name="Silo">This silo.</param>
/// <param name="MembershipVersion">The version of the membership snapshot the statuses come from.</param>
/// <param name="Members">Every silo the membership knows of, this one included, dead ones too; ordered by address.</param>
/// <param name="MembershipTableError">
/// Why the membership table could not be read for the details (start time, votes) of each member; <see langword="null"/>
/// when it was read. The statuses come from this silo's snapshot either way.
/// </param>
/// <param name="Kafka">The partitions this silo reads; <see langword="null"/> when Kafka is not configured.</param>
public sealed record ClusterView(
    DateTimeOffset Now,
    ClusterViewSilo Silo,
    long MembershipVersion,
    IReadOnlyList<ClusterViewMember> Members,
    string? MembershipTableError,
    ClusterViewKafka? Kafka);

/// <summary>A silo: its Orleans address (<c>S127.0.0.1:11111:123456789</c>), its endpoint (<c>127.0.0.1:11111</c>) and name.</summary>
public sealed record ClusterViewSilo(string Address, string Endpoint, string Name);

/// <summary>One member of the cluster as this silo sees it.</summary>
/// <param name="Address">The Orleans silo address, generation included.</param>
/// <param name="Endpoint">Host and silo port.</param>
/// <param name="Name">The silo's name.</param>
/// <param name="Status">Its status in this silo's view: <c>Joining</c>, <c>Active</c>, <c>ShuttingDown</c>, <c>Stopping</c>, <c>Dead</c>...</param>
/// <param name="IsThisSilo">Whether it is the silo that answered.</param>
/// <param name="StartTime">When it started, from the membership table.</param>
/// <param name="IAmAliveTime">Its last liveness write to the membership table (also written when it changes its own status).</param>
/// <param name="SuspectedBy">The votes to declare it dead in the membership table, each by a silo at a time.</param>
/// <param name="DeclaredDeadBy">
/// When another silo declared it dead — status <c>Dead</c> with a vote later than its own last write — the silo that
/// cast that last vote; <see langword="null"/> for a silo that is alive or shut itself down.
/// </param>
/// <param name="DeclaredDeadAt">When it was declared dead (the time of that last vote); see <paramref name="DeclaredDeadBy"/>.</param>
/// <param name="StatusChangedAt">
/// When its status last changed, where the membership table tells: the declaration for a silo declared dead, its own
/// last write for a silo that shut down (<c>ShuttingDown</c>, <c>Stopping</c>, <c>Dead</c>); otherwise <see langword="null"/>.
/// </param>
public sealed record ClusterViewMember(
    string Address,
    string Endpoint,
    string? Name,
    string Status,
    bool IsThisSilo,
    DateTimeOffset? StartTime,
    DateTimeOffset? IAmAliveTime,
    IReadOnlyList<ClusterViewVote> SuspectedBy,
    string? DeclaredDeadBy,
    DateTimeOffset? DeclaredDeadAt,
    DateTimeOffset? StatusChangedAt);

/// <summary>A vote to declare a silo dead.</summary>
public sealed record ClusterViewVote(string Silo, DateTimeOffset At);

/// <summary>The Kafka partitions this silo reads now: those with a running receiver, ordered by topic and partition.</summary>
public sealed record ClusterViewKafka(IReadOnlyList<ClusterViewPartition> Partitions);

/// <summary>A partition this silo reads.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="IsConsuming">Whether its receiver has a consumer (<see langword="false"/> while creating one fails).</param>
public sealed record ClusterViewPartition(string Topic, int Partition, bool IsConsuming);

/// <summary>Builds the <see cref="ClusterView"/> of this silo from local state and one read of the membership table.</summary>
public sealed class ClusterViewSource(
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    IServiceProvider services,
    TimeProvider time)
{
    private static readonly TimeSpan TableReadTimeout = TimeSpan.FromSeconds(5);

    public async Task<ClusterView> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = membership.CurrentSnapshot;
        Dictionary<SiloAddress, MembershipEntry> entries = [];
        string? tableError = null;
        try
        {
            // The table holds what the snapshot lacks: start times and the votes that declared a silo dead.
            var table = services.GetService<IMembershipTable>()
                ?? throw new InvalidOperationException("This silo has no membership table.");
            var data = await table.ReadAllAsync(cancellationToken).WaitAsync(TableReadTimeout, cancellationToken);
            entries = data.Members.ToDictionary(m => m.Item1.SiloAddress, m => m.Item1);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            tableError = ex.Message;
        }

        // The snapshot is this silo's view; a row of the table it does not hold yet (a silo that has only just
        // written itself in, say) is shown with the status the table gives.
        var known = snapshot.Members.Values
            .Concat(entries.Values
                .Where(entry => !snapshot.Members.ContainsKey(entry.SiloAddress))
                .Select(entry => new ClusterMember(entry.SiloAddress, entry.Status, entry.SiloName)));
        var members = known
            .Select(member => Member(member, entries.GetValueOrDefault(member.SiloAddress)))
            .OrderBy(member => member.Endpoint, StringComparer.Ordinal)
            .ThenBy(member => member.Address, StringComparer.Ordinal)
            .ToList();
        var diagnostics = services.GetKeyedService<KafkaStreamDiagnostics>(HotDataConstants.StreamProviderName);
        var kafka = diagnostics is null
            ? null
            : new ClusterViewKafka([.. diagnostics.GetActivePartitions().Select(p => new ClusterViewPartition(p.Topic, p.Partition, p.IsConsuming))]);
        return new ClusterView(
            time.GetUtcNow(),
            new ClusterViewSilo(silo.SiloAddress.ToString(), Endpoint(silo.SiloAddress), silo.Name),
            snapshot.Version.Value,
            members,
            tableError,
            kafka);
    }

    private ClusterViewMember Member(ClusterMember member, MembershipEntry? entry)
    {
        var votes = entry?.SuspectTimes?.Select(v => new ClusterViewVote(v.Item1.ToString(), Utc(v.Item2))).ToList() ?? [];
        var aliveAt = entry is null ? (DateTimeOffset?)null : Utc(entry.IAmAliveTime);
        var lastVote = votes.MaxBy(v => v.At);

        // A silo that shuts down writes its own status (and its liveness time with it); a silo declared dead stopped
        // writing, and the silo that declared it added its vote after that.
        var declared = member.Status == SiloStatus.Dead && lastVote is not null && (aliveAt is null || lastVote.At > aliveAt) ? lastVote : null;
        DateTimeOffset? changedAt = declared is not null
            ? declared.At
            : member.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead ? aliveAt : null;
        return new ClusterViewMember(
            member.SiloAddress.ToString(),
            Endpoint(member.SiloAddress),
            member.Name ?? entry?.SiloName,
            member.Status.ToString(),
            member.SiloAddress.Equals(silo.SiloAddress),
            entry is null ? null : Utc(entry.StartTime),
            aliveAt,
            votes,
            declared?.Silo,
            declared?.At,
            changedAt);
    }

    private static string Endpoint(SiloAddress address) =>
        address.Endpoint.Address + ":" + address.Endpoint.Port.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(DateTime at) =>
        new(at.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : at.ToUniversalTime());
}
