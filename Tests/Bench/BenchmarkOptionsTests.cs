using OrleansHotData.Benchmarks;

namespace OrleansHotData.Tests.Bench;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class BenchmarkOptionsTests
{
    [Fact]
    public void Defaults_run_every_scenario_with_the_stated_workloads()
    {
        var options = BenchmarkOptions.Parse([]);

        Assert.Equal(BenchmarkOptions.AllScenarios.Order(), options.Scenarios.Order());
        Assert.Equal(TimeSpan.FromSeconds(10), options.Duration);
        Assert.Equal(100_000, options.IngestRecords);
        Assert.Equal(100_000, options.MemoryKeys);
        Assert.Equal(64, options.Callers);
        Assert.Equal(10_000, options.FreshnessRate);
        Assert.Equal(60_000, options.WarmUpRecords);
        Assert.True(options.ClassicBaseline);
        Assert.Equal("./hotdata bench", options.CommandLine);
    }

    [Fact]
    public void Quick_shrinks_the_workloads_and_explicit_values_win()
    {
        var options = BenchmarkOptions.Parse(["--quick", "--duration", "3", "--scenarios", "read, ingest", "--freshness-rate", "2500"]);

        Assert.True(options.Quick);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Duration);
        Assert.Equal(20_000, options.IngestRecords);
        Assert.Equal(10_000, options.MemoryKeys);
        Assert.Equal(["ingest", "read"], options.Scenarios.Order());
        Assert.Equal(2_500, options.FreshnessRate);
        Assert.Equal("./hotdata bench --quick --duration 3 --scenarios read, ingest --freshness-rate 2500", options.CommandLine);
    }

    [Fact]
    public void The_warm_up_can_be_changed_or_left_out_and_the_classic_consumer_left_out()
    {
        Assert.Equal(2_000, BenchmarkOptions.Parse(["--quick"]).WarmUpRecords);
        Assert.Equal(0, BenchmarkOptions.Parse(["--quick", "--warmup-records", "0"]).WarmUpRecords);
        Assert.Equal(5_000, BenchmarkOptions.Parse(["--warmup-records", "5000"]).WarmUpRecords);
        Assert.False(BenchmarkOptions.Parse(["--no-classic"]).ClassicBaseline);
    }

    [Fact]
    public void The_near_cache_kill_scenario_can_be_chosen_and_runs_last_as_it_leaves_its_cluster_one_silo_short()
    {
        var options = BenchmarkOptions.Parse(["--scenarios", "near-cache-kill,read"]);

        Assert.Equal(["near-cache-kill", "read"], options.Scenarios.Order());
        Assert.Equal("near-cache-kill", BenchmarkOptions.AllScenarios[^1]);
        Assert.Contains("near-cache-kill", BenchmarkOptions.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--scenarios", "ingest,nope", "unknown scenario 'nope'")]
    [InlineData("--warmup-records", "-1", "--warmup-records must be zero or a positive number")]
    [InlineData("--duration", "0", "--duration must be a positive number")]
    [InlineData("--records", "many", "--records must be a positive number")]
    [InlineData("--freshness-rate", "-5", "--freshness-rate must be a positive number")]
    [InlineData("--silo", "/no/such/OrleansHotData.Silo.dll", "does not exist")]
    public void A_bad_option_is_refused_with_one_sentence_naming_it(string option, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => BenchmarkOptions.Parse([option, value]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_without_its_value_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchmarkOptions.Parse(["--duration"]));

        Assert.Contains("--duration needs a value", error.Message, StringComparison.Ordinal);
    }
}
