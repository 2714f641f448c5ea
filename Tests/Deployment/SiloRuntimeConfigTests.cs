using System.Text.Json.Nodes;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// The runtime settings the silo ships with (its <c>runtimeconfig.json</c>, which the image and every deployment run):
/// they are performance decisions measured in BENCHMARKS.md, so losing one in a project-file edit must not go unseen.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class SiloRuntimeConfigTests
{
    [Fact]
    public void Idle_thread_pool_workers_do_not_spin_and_the_server_garbage_collector_is_on()
    {
        var silo = ProjectOutput.AssemblyPath("Silo", "OrleansHotData.Silo.dll");
        var config = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(silo, ".runtimeconfig.json")))!["runtimeOptions"]!["configProperties"]!;

        Assert.Equal(0, config["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]?.GetValue<int>());
        Assert.True(config["System.GC.Server"]?.GetValue<bool>());
    }
}
