using System.Net;
using Orleans.Configuration;
using Orleans.Streaming.Kafka.Providers;
using Orleans.Streams;

namespace OrleansHotData.Tests.Streaming;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaQueueBalancerTests
{
    private static readonly IReadOnlyList<QueueId> Queues = [.. new KafkaStreamQueueMapper(
    [
        new KafkaTopicOptions { Name = "a", StreamNamespace = "a", Partitions = 8 },
        new KafkaTopicOptions { Name = "b", StreamNamespace = "b", Partitions = 3 },
    ]).GetAllQueues()];

    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(13)]
    public void Every_partition_goes_to_exactly_one_silo_and_shares_differ_by_at_most_one(int silos)
    {
        var active = Enumerable.Range(0, silos).Select(i => Silo(11_000 + (i * 7 % silos))).ToList();

        var shares = active.Select(silo => KafkaQueueBalancer.Assign(Queues, active, silo)).ToList();

        Assert.Equal(Queues.OrderBy(q => q.ToString()), shares.SelectMany(s => s).OrderBy(q => q.ToString()));
        Assert.True(shares.Max(s => s.Count) - shares.Min(s => s.Count) <= 1, string.Join(",", shares.Select(s => s.Count)));
    }

    [Fact]
    public void Every_silo_computes_the_same_assignment_whatever_order_it_sees_the_silos_in()
    {
        var active = new[] { Silo(11_003), Silo(11_001), Silo(11_002) };
        var reversed = active.Reverse().ToArray();

        foreach (var silo in active)
        {
            Assert.Equal(KafkaQueueBalancer.Assign(Queues, active, silo), KafkaQueueBalancer.Assign(Queues, reversed, silo));
        }
    }

    [Fact]
    public void A_silo_that_is_not_active_reads_nothing_and_the_others_take_everything()
    {
        var leaving = Silo(11_002);
        var staying = new[] { Silo(11_001), Silo(11_003) };

        Assert.Empty(KafkaQueueBalancer.Assign(Queues, staying, leaving));
        Assert.Equal(Queues.Count, staying.Sum(silo => KafkaQueueBalancer.Assign(Queues, staying, silo).Count));
    }
}
