using System.Globalization;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Security;

/// <summary>
/// One silo with tight limits per client: a bucket of <see cref="Burst"/> permits refilled at one a second, three
/// failed authentications a minute per address, two watch streams per client and three per silo; the dashboard's log
/// stream and grain-state view turned off. Each test uses keys of its own, so no test spends another's budget.
/// </summary>
public sealed class LimitsFixture : InProcessClusterFixture
{
    public const int Burst = 10;
    public const int FailedAuthenticationsPerMinute = 3;
    public const int WatchesPerClient = 2;
    public const int WatchesPerSilo = 3;

    /// <summary>The API keys, all readers, by the test that spends them.</summary>
    public static readonly string[] Keys = ["drain", "other", "batch", "watch-1", "watch-2", "watch-3", "failures"];

    /// <summary>The operator's key (not among <see cref="Keys"/>, which are readers).</summary>
    public const string OperatorKey = "operator-key-51c7e0a9b3f2";

    public static string Key(string id) => id + "-key-3e9b1f7c20d4";

    protected override InProcessClusterDescription Description => new("limits", Silos: 1)
    {
        Kafka = false,
        ClientHost = false,
        Settings = Settings(),
    };

    private static Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:RateLimit:PermitsPerSecond"] = "1",
            ["Security:RateLimit:Burst"] = Burst.ToString(CultureInfo.InvariantCulture),
            ["Security:RateLimit:FailedAuthenticationsPerMinute"] = FailedAuthenticationsPerMinute.ToString(CultureInfo.InvariantCulture),
            ["Security:Watch:MaxPerClient"] = WatchesPerClient.ToString(CultureInfo.InvariantCulture),
            ["Security:Watch:MaxPerSilo"] = WatchesPerSilo.ToString(CultureInfo.InvariantCulture),
            ["Security:Dashboard:LogStream"] = "false",
            ["Security:Dashboard:GrainState"] = "false",
            [$"Security:ApiKeys:{Keys.Length}:Id"] = "ops",
            [$"Security:ApiKeys:{Keys.Length}:Key"] = OperatorKey,
            [$"Security:ApiKeys:{Keys.Length}:Roles:0"] = "operator",
        };
        for (var i = 0; i < Keys.Length; i++)
        {
            settings[$"Security:ApiKeys:{i}:Id"] = Keys[i];
            settings[$"Security:ApiKeys:{i}:Key"] = Key(Keys[i]);
            settings[$"Security:ApiKeys:{i}:Roles:0"] = "reader";
        }

        return settings;
    }
}
