using System.Net.Http.Json;
using System.Text.Json;
using OrleansHotData.Silo.Operations;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>Reads a silo's <c>/ops/cluster</c>: its membership view and the Kafka partitions it reads.</summary>
public static class ClusterViews
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Asks the silo behind <paramref name="http"/>; fails on any status but 200.</summary>
    public static async Task<ClusterView> GetAsync(HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.GetAsync(OperationsEndpoints.ClusterPath, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<ClusterView>(Json, cancellationToken)
            ?? throw new InvalidOperationException($"{OperationsEndpoints.ClusterPath} answered null.");
    }

    /// <summary>The partitions of <paramref name="topic"/> the view says its silo reads.</summary>
    public static IReadOnlySet<int> PartitionsOf(this ClusterView view, string topic)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new SortedSet<int>((view.Kafka?.Partitions ?? []).Where(p => p.Topic == topic).Select(p => p.Partition));
    }

    /// <summary>The silo port of a member's endpoint (<c>host:port</c>).</summary>
    public static int Port(this ClusterViewMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return int.Parse(member.Endpoint[(member.Endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
