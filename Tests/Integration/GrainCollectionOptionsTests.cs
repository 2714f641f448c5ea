using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansHotData.Silo.Hosting;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

/// <summary>
/// The settings that bound what idle keys cost a silo reach Orleans from configuration: activation collection and
/// shedding under memory pressure, and how long the pulling agent keeps an idle key's stream.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class GrainCollectionOptionsTests
{
    private static T BuildAndResolve<T>(Dictionary<string, string?> settings, Func<IServiceProvider, T> resolve)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = "127.0.0.1:1",
            ["Security:RequireAuthentication"] = "false",
            // Nothing listens here: the silo is built, never started.
            ["Kafka:BootstrapServers"] = "127.0.0.1:1",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var app = HotDataSilo.Build([], builder =>
        {
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(values);
        });
        try
        {
            return resolve(app.Services);
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }

    private static GrainCollectionOptions GrainCollection(Dictionary<string, string?> settings) =>
        BuildAndResolve(settings, services => services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value);

    private static StreamPullingAgentOptions PullingAgent(Dictionary<string, string?> settings) =>
        BuildAndResolve(settings, services => services.GetRequiredService<IOptionsMonitor<StreamPullingAgentOptions>>().Get(HotDataConstants.StreamProviderName));

    [Fact]
    public void Without_settings_idle_keys_are_collected_sooner_than_Orleans_default_and_shed_under_memory_pressure()
    {
        var options = GrainCollection([]);

        Assert.Equal(GrainCollectionOptionsSetup.DefaultCollectionAge, options.CollectionAge);
        Assert.True(options.CollectionAge < new GrainCollectionOptions().CollectionAge);
        Assert.True(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(GrainCollectionOptionsSetup.DefaultMemoryUsageLimitPercentage, options.MemoryUsageLimitPercentage);
        Assert.Equal(GrainCollectionOptionsSetup.DefaultMemoryUsageTargetPercentage, options.MemoryUsageTargetPercentage);
    }

    [Fact]
    public void Configured_values_override_the_defaults_and_reach_any_grain_collection_option()
    {
        var options = GrainCollection(new()
        {
            ["Orleans:GrainCollection:CollectionAge"] = "00:30:00",
            ["Orleans:GrainCollection:EnableActivationSheddingOnMemoryPressure"] = "false",
            ["Orleans:GrainCollection:DeactivationTimeout"] = "00:00:10",
        });

        Assert.Equal(TimeSpan.FromMinutes(30), options.CollectionAge);
        Assert.False(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(TimeSpan.FromSeconds(10), options.DeactivationTimeout);
        Assert.Equal(GrainCollectionOptionsSetup.DefaultMemoryUsageLimitPercentage, options.MemoryUsageLimitPercentage);
    }

    [Theory]
    [InlineData("CollectionAge", "soon", "Orleans:GrainCollection")]
    [InlineData("CollectionAge", "00:00:30", "Orleans:GrainCollection:CollectionAge")]
    [InlineData("CollectionQuantum", "00:00:00", "Orleans:GrainCollection:CollectionQuantum")]
    [InlineData("MemoryUsageLimitPercentage", "120", "Orleans:GrainCollection:MemoryUsageLimitPercentage")]
    [InlineData("MemoryUsageTargetPercentage", "90", "Orleans:GrainCollection:MemoryUsageTargetPercentage")]
    public void A_bad_grain_collection_value_stops_the_silo_naming_the_setting(string name, string value, string named)
    {
        var error = Assert.Throws<SiloConfigurationException>(() => GrainCollection(new() { ["Orleans:GrainCollection:" + name] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pulling_agent_releases_an_idle_stream_after_the_configured_period()
    {
        Assert.Equal(HotDataSilo.DefaultStreamInactivityPeriod, PullingAgent([]).StreamInactivityPeriod);
        Assert.True(HotDataSilo.DefaultStreamInactivityPeriod < StreamPullingAgentOptions.DEFAULT_STREAM_INACTIVITY_PERIOD);

        var configured = PullingAgent(new() { ["Kafka:StreamInactivityPeriod"] = "00:05:00" });

        Assert.Equal(TimeSpan.FromMinutes(5), configured.StreamInactivityPeriod);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("00:00:00")]
    [InlineData("-00:01:00")]
    public void A_bad_stream_inactivity_period_stops_the_silo_naming_the_setting(string value)
    {
        var error = Assert.Throws<SiloConfigurationException>(() => PullingAgent(new() { ["Kafka:StreamInactivityPeriod"] = value }));

        Assert.Contains("Kafka:StreamInactivityPeriod", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_appsettings_state_the_code_defaults()
    {
        var settings = ProjectOutput.SiloAppSettings();
        var collection = settings["Orleans"]!["GrainCollection"]!;

        Assert.Equal(GrainCollectionOptionsSetup.DefaultCollectionAge, TimeSpan.Parse(collection["CollectionAge"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal(GrainCollectionOptionsSetup.DefaultEnableActivationSheddingOnMemoryPressure, collection["EnableActivationSheddingOnMemoryPressure"]!.GetValue<bool>());
        Assert.Equal(GrainCollectionOptionsSetup.DefaultMemoryUsageLimitPercentage, collection["MemoryUsageLimitPercentage"]!.GetValue<double>());
        Assert.Equal(GrainCollectionOptionsSetup.DefaultMemoryUsageTargetPercentage, collection["MemoryUsageTargetPercentage"]!.GetValue<double>());
        Assert.Equal(HotDataSilo.DefaultStreamInactivityPeriod, TimeSpan.Parse(settings["Kafka"]!["StreamInactivityPeriod"]!.GetValue<string>(), CultureInfo.InvariantCulture));
    }
}
