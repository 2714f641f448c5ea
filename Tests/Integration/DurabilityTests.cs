using System.Text.Json;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

/// <summary>Values live in Redis, not only in an activation: they survive deactivation and the restart of their silo.</summary>
[Collection(HotDataClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Integration)]
public sealed class DurabilityTests(HotDataClusterFixture shared)
{
    [Fact]
    public async Task Value_survives_deactivation_of_its_grain()
    {
        var key = HotDataClusterFixture.NewKey("durable");
        var grains = shared.Silos[0].Grains;
        var grain = grains.GetGrain<IHotDataGrain>(key);
        await grain.ApplyAsync(HotDataChange.Set("""{"n":41}"""));
        await grain.ApplyAsync(HotDataChange.Increment("""{"n":1}"""));

        var management = grains.GetGrain<IManagementGrain>(0);
        await management.DeactivateGrain(grain.GetGrainId());
        await Eventually.TrueAsync(
            async () => (await management.GetGrainActivationCount((GrainReference)grain)) == 0,
            TimeSpan.FromSeconds(10),
            "the grain to deactivate");

        var value = await grain.GetAsync();
        Assert.NotNull(value);
        Assert.Equal(2, value.Version);
        Assert.Equal(42, JsonDocument.Parse(value.Json).RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Value_survives_the_restart_of_the_silo_that_held_it()
    {
        // A cluster of its own, so restarting a silo disturbs no other test.
        var clusterId = "restart-" + Guid.NewGuid().ToString("N")[..8];
        var silos = new List<TestSilo>
        {
            await TestSilo.StartAsync(shared.Redis.ConnectionString, clusterId),
            await TestSilo.StartAsync(shared.Redis.ConnectionString, clusterId),
        };
        try
        {
            var keys = Enumerable.Range(0, 20).Select(i => HotDataClusterFixture.NewKey($"restart{i}")).ToList();
            foreach (var key in keys)
            {
                await silos[0].Grains.GetGrain<IHotDataGrain>(key).ApplyAsync(HotDataChange.Increment("""{"n":7}"""));
            }

            // Find the silo holding the first key and restart exactly that one.
            var management = silos[0].Grains.GetGrain<IManagementGrain>(0);
            var holder = await management.GetActivationAddress((GrainReference)silos[0].Grains.GetGrain<IHotDataGrain>(keys[0]));
            var index = silos.FindIndex(s => s.SiloPort == holder!.Endpoint.Port);
            Assert.True(index >= 0, $"no test silo listens on {holder}");

            var survivor = silos[1 - index];
            await silos[index].DisposeAsync();
            silos[index] = await TestSilo.StartAsync(shared.Redis.ConnectionString, clusterId);

            foreach (var silo in new[] { survivor, silos[index] })
            {
                foreach (var key in keys)
                {
                    var value = await silo.Grains.GetGrain<IHotDataGrain>(key).GetAsync();
                    Assert.NotNull(value);
                    Assert.Equal(1, value.Version);
                    Assert.Equal(7, JsonDocument.Parse(value.Json).RootElement.GetProperty("n").GetInt32());
                }
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
