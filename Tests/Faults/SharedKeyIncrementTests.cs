using Xunit.Abstractions;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// API increments (through the SDK and the HTTP API of different silos) and Kafka <c>incr</c> records hit the same
/// field of a few hot keys at once, over three silos: the count is exact.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class SharedKeyIncrementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Api_and_kafka_increments_on_the_same_hot_keys_at_once_count_exactly()
    {
        var report = new FaultReport(output);
        await using var cluster = await FaultTestCluster.StartAsync(silos: 3);
        var sdk = WorkloadBindings.SdkWrite(cluster.ClientHost.Client);
        var https = cluster.Silos.Select(s => new HttpClient { BaseAddress = new Uri(s.HttpUrl) }).ToList();
        try
        {
            var http = https.Select(WorkloadBindings.HttpWrite).ToList();
            var calls = 0;
            // Every other write goes through the SDK; the rest through the HTTP API of each silo in turn.
            Task Write(ApiWrite write, CancellationToken cancellationToken)
            {
                var n = Interlocked.Increment(ref calls);
                return n % 2 == 0 ? sdk(write, cancellationToken) : http[n / 2 % http.Count](write, cancellationToken);
            }

            var workload = new MixedWorkload(
                new MixedWorkloadOptions
                {
                    SharedKeys = 3,
                    KafkaSharedShare = 0.5,
                    ApiSharedShare = 0.9,
                    ApiWriters = 16,
                    ApiWritesPerSecond = 400,
                },
                WorkloadBindings.Produce(cluster.Producer, cluster.Topic),
                Write);
            report.Phase("cluster started");

            // 15 s, longer on a slow machine until the shared keys have had their 1,000 API increments.
            await workload.RunUntilAsync(c => c.ApiIncrementsAcknowledged > 1000, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60));
            report.Phase("workload done");
            var mismatches = await workload.WaitForConvergenceAsync(cluster.Read, TimeSpan.FromSeconds(60));
            report.Phase("converged");
            report.Outcome(workload, mismatches);
            var counts = workload.Counts;
            var shared = await cluster.Read(workload.SharedKeys, CancellationToken.None);
            report.Line("shared keys: " + string.Join(", ", shared.Select(kv => $"{kv.Key} = {kv.Value.Json} at v{kv.Value.Version}")));

            Assert.Empty(mismatches);
            // With no write of unknown outcome the shared counts are exact, not a range.
            Assert.Equal(0, counts.ApiWritesUnknown);
            WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 1);
            Assert.Equal(0, counts.KafkaRecordsFailed);
            Assert.True(counts.ApiIncrementsAcknowledged > 1000, $"only {counts.ApiIncrementsAcknowledged} API increments of the shared keys");
        }
        finally
        {
            foreach (var client in https)
            {
                client.Dispose();
            }
        }
    }
}
