using System.Net;
using System.Text.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Observability;

/// <summary>Readiness follows the real state of Redis, the cluster and the Kafka receivers; liveness only the process.</summary>
[Collection(ObservabilityDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class HealthTests(ObservabilityFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Silo_turns_unready_while_its_redis_is_down_and_ready_again_after()
    {
        // A Redis of its own that keeps its data over a restart, so the silo's membership row survives it.
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterDescription("health", Silos: 1) { Kafka = false, ClientHost = false, DurableRedis = true });
        var (redis, http) = (cluster.Redis, cluster.Http[0]);

        var ready = await WaitForReadyAsync(http, HttpStatusCode.OK);
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.Equal("Active", ready.GetProperty("checks").GetProperty("cluster").GetProperty("membership").GetString());
        Assert.False(ready.GetProperty("checks").TryGetProperty("kafka", out _), "no Kafka check without Kafka");

        redis.Kill();
        var down = await WaitForReadyAsync(http, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", down.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        using (var live = await http.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await redis.RestartAsync();
        var back = await WaitForReadyAsync(http, HttpStatusCode.OK);
        Assert.Equal("Healthy", back.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Silos_reading_kafka_are_ready_with_their_receivers_running()
    {
        foreach (var http in fixture.SiloHttp)
        {
            var ready = await WaitForReadyAsync(http, HttpStatusCode.OK);
            var kafka = ready.GetProperty("checks").GetProperty("kafka");
            Assert.Equal("Healthy", kafka.GetProperty("status").GetString());
            Assert.Equal("0", kafka.GetProperty("notConsuming").GetString());
        }
    }

    private static async Task<JsonElement> WaitForReadyAsync(HttpClient http, HttpStatusCode expected)
    {
        var (_, body) = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await http.GetAsync("/health/ready");
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                return (response.StatusCode, Body: body);
            },
            r => r.StatusCode == expected,
            Deadline,
            $"/health/ready to answer {(int)expected}");
        return body;
    }
}
