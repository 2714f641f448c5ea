using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Observability;

/// <summary>
/// <c>/ops/cluster</c> on two real silos reading one topic of the embedded broker, with membership in a real
/// <c>redis-server</c>: each silo tells which partitions it reads and how it sees the membership.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class ClusterViewTests
{
    private const int Partitions = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_silos_split_the_partitions_between_them_and_see_each_other_active()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("view-split", Silos: 2, Partitions) { ClientHost = false });
        var (topic, first, second) = (cluster.Topic, cluster.Silos[0], cluster.Silos[1]);
        var (firstHttp, secondHttp) = (cluster.Http[0], cluster.Http[1]);
        var (a, b) = await Eventually.ReturnsAsync(
            async () => (await ClusterViews.GetAsync(firstHttp), await ClusterViews.GetAsync(secondHttp)),
            views => views.Item1.PartitionsOf(topic).Count + views.Item2.PartitionsOf(topic).Count == Partitions
                && views.Item1.PartitionsOf(topic).Union(views.Item2.PartitionsOf(topic)).Count() == Partitions
                && views.Item1.Members.Count(m => m.Status == "Active") == 2
                && views.Item2.Members.Count(m => m.Status == "Active") == 2,
            Deadline,
            "both silos to be active and to read every partition between them");

        // Every partition once: the union is all of them and neither reads one the other reads.
        Assert.Equal(Enumerable.Range(0, Partitions), a.PartitionsOf(topic).Union(b.PartitionsOf(topic)).Order());
        Assert.Empty(a.PartitionsOf(topic).Intersect(b.PartitionsOf(topic)));
        Assert.NotEmpty(a.PartitionsOf(topic));
        Assert.NotEmpty(b.PartitionsOf(topic));
        Assert.All(a.Kafka!.Partitions, p => Assert.True(p.IsConsuming, $"{p.Topic}[{p.Partition}] has no consumer"));

        foreach (var (view, silo, other) in new[] { (a, first, second), (b, second, first) })
        {
            Assert.Equal(silo.SiloPort, Port(view.Silo.Endpoint));
            Assert.False(string.IsNullOrEmpty(view.Silo.Name));
            Assert.Null(view.MembershipTableError);
            var self = Assert.Single(view.Members, m => m.IsThisSilo);
            Assert.Equal(view.Silo.Address, self.Address);
            Assert.Equal(silo.SiloPort, self.Port());
            Assert.Contains(view.Members, m => m.Port() == other.SiloPort && !m.IsThisSilo);
            Assert.All(view.Members, m =>
            {
                Assert.Equal("Active", m.Status);
                Assert.NotNull(m.StartTime);
                Assert.NotNull(m.IAmAliveTime);
                Assert.Null(m.DeclaredDeadBy);
                Assert.Null(m.StatusChangedAt);
            });
        }
    }

    [Fact]
    public async Task A_silo_that_stops_shows_dead_but_not_declared_dead_and_the_survivor_reads_every_partition()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("view-leave", Silos: 1, Partitions) { ClientHost = false });
        var (topic, http) = (cluster.Topic, cluster.Http[0]);
        var leaving = await cluster.StartSiloAsync();
        await using (leaving)
        {
            await Eventually.TrueAsync(
                async () => (await ClusterViews.GetAsync(http)).PartitionsOf(topic).Count is > 0 and < Partitions,
                Deadline,
                "the survivor-to-be to read some partitions, not all");
        }

        var stoppedAt = DateTimeOffset.UtcNow;
        var view = await Eventually.ReturnsAsync(
            () => ClusterViews.GetAsync(http),
            v => v.PartitionsOf(topic).Count == Partitions && v.Members.Any(m => m.Port() == leaving.SiloPort && m.Status == "Dead"),
            Deadline,
            "the survivor to read every partition and to see the other silo dead");

        Assert.Equal(Enumerable.Range(0, Partitions), view.PartitionsOf(topic).Order());
        var gone = Assert.Single(view.Members, m => m.Port() == leaving.SiloPort);
        // It shut down by itself: nobody declared it dead, and its status changed when it last wrote to the table.
        Assert.Null(gone.DeclaredDeadBy);
        Assert.Null(gone.DeclaredDeadAt);
        Assert.NotNull(gone.StatusChangedAt);
        Assert.InRange(gone.StatusChangedAt!.Value, stoppedAt - TimeSpan.FromSeconds(60), DateTimeOffset.UtcNow);
        Assert.Equal("Active", Assert.Single(view.Members, m => m.IsThisSilo).Status);
    }

    private static int Port(string endpoint) => int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
