using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansHotData.Silo.Hosting;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Integration;

/// <summary>The failure-detection settings reach Orleans from configuration, over defaults that detect a dead silo in seconds.</summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class MembershipOptionsTests
{
    private static ClusterMembershipOptions BuildAndResolve(Dictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1", ["Security:RequireAuthentication"] = "false" };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        // Built, never started: nothing connects to the Redis address.
        var app = HotDataSilo.Build([], builder =>
        {
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(values);
        });
        try
        {
            return app.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }

    [Fact]
    public void Without_settings_the_silo_uses_the_fast_detection_defaults()
    {
        var options = BuildAndResolve([]);

        Assert.Equal(MembershipOptionsSetup.DefaultProbeTimeout, options.ProbeTimeout);
        Assert.Equal(MembershipOptionsSetup.DefaultNumMissedProbesLimit, options.NumMissedProbesLimit);
        Assert.Equal(MembershipOptionsSetup.DefaultNumVotesForDeathDeclaration, options.NumVotesForDeathDeclaration);
        Assert.Equal(MembershipOptionsSetup.DefaultTableRefreshTimeout, options.TableRefreshTimeout);
        Assert.Equal(MembershipOptionsSetup.DefaultIAmAliveTablePublishTimeout, options.IAmAliveTablePublishTimeout);
        Assert.Equal(MembershipOptionsSetup.DefaultDeathVoteExpirationTimeout, options.DeathVoteExpirationTimeout);
        Assert.True(options.ProbeTimeout < new ClusterMembershipOptions().ProbeTimeout);
    }

    [Fact]
    public void Configured_values_override_the_defaults_and_reach_any_membership_option()
    {
        var options = BuildAndResolve(new()
        {
            ["Orleans:Membership:ProbeTimeout"] = "00:00:05",
            ["Orleans:Membership:NumVotesForDeathDeclaration"] = "3",
            ["Orleans:Membership:EnableIndirectProbes"] = "false",
        });

        Assert.Equal(TimeSpan.FromSeconds(5), options.ProbeTimeout);
        Assert.Equal(3, options.NumVotesForDeathDeclaration);
        Assert.False(options.EnableIndirectProbes);
        Assert.Equal(MembershipOptionsSetup.DefaultTableRefreshTimeout, options.TableRefreshTimeout);
    }

    [Theory]
    [InlineData("ProbeTimeout", "soon", "Orleans:Membership")]
    [InlineData("ProbeTimeout", "00:00:00", "Orleans:Membership:ProbeTimeout")]
    [InlineData("NumMissedProbesLimit", "0", "Orleans:Membership:NumMissedProbesLimit")]
    [InlineData("NumVotesForDeathDeclaration", "11", "Orleans:Membership:NumVotesForDeathDeclaration")]
    public void A_bad_value_stops_the_silo_naming_the_setting(string name, string value, string named)
    {
        var error = Assert.Throws<SiloConfigurationException>(() => BuildAndResolve(new() { ["Orleans:Membership:" + name] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_appsettings_state_the_code_defaults()
    {
        var membership = ProjectOutput.SiloAppSettings()["Orleans"]!["Membership"]!;

        Assert.Equal(MembershipOptionsSetup.DefaultProbeTimeout, TimeSpan.Parse(membership["ProbeTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(MembershipOptionsSetup.DefaultNumMissedProbesLimit, membership["NumMissedProbesLimit"]!.GetValue<int>());
        Assert.Equal(MembershipOptionsSetup.DefaultNumVotesForDeathDeclaration, membership["NumVotesForDeathDeclaration"]!.GetValue<int>());
        Assert.Equal(MembershipOptionsSetup.DefaultTableRefreshTimeout, TimeSpan.Parse(membership["TableRefreshTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(MembershipOptionsSetup.DefaultIAmAliveTablePublishTimeout, TimeSpan.Parse(membership["IAmAliveTablePublishTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(MembershipOptionsSetup.DefaultDeathVoteExpirationTimeout, TimeSpan.Parse(membership["DeathVoteExpirationTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
