using Orleans.Configuration;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;
using OrleansHotData.Silo.Api;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// The configuration the silo reads: each section and the type it binds to, plus the single keys it reads. The
/// deployment files are checked against this, so a misspelt setting fails a test instead of being ignored.
/// </summary>
public static class SiloConfigurationSections
{
    /// <summary>Sections bound to options types: every key below one names a property path of its type.</summary>
    public static IReadOnlyDictionary<string, Type> Bound { get; } = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        [HotDataSiloOptions.SectionName] = typeof(HotDataSiloOptions),
        [HotDataSilo.KafkaSectionName] = typeof(KafkaStreamOptions),
        [HotDataOptions.SectionName] = typeof(HotDataOptions),
        [HotDataStorageOptions.SectionName] = typeof(HotDataStorageOptions),
        [HotDataApiOptions.SectionName] = typeof(HotDataApiOptions),
        [HotDataSecurityOptions.SectionName] = typeof(HotDataSecurityOptions),
        [ShutdownOptions.SectionName] = typeof(ShutdownOptions),
        [RedisConnectionOptions.SectionName] = typeof(RedisConnectionOptions),
    };

    /// <summary>Single keys read outside the bound sections.</summary>
    public static IReadOnlySet<string> Keys { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ConnectionStrings:" + HotDataSilo.RedisConnectionName,
        HotDataSilo.KafkaSectionName + ":" + HotDataSilo.StreamCacheSizeSetting,
        HotDataSilo.KafkaSectionName + ":" + HotDataSilo.StreamInactivityPeriodSetting,
        "Urls",
        HttpsCertificate.PathSetting,
        HttpsCertificate.KeyPathSetting,
        HttpsCertificate.PasswordSetting,
    };

    /// <summary>Sections read as free-form trees by the framework.</summary>
    public static IReadOnlySet<string> FreeForm { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Logging" };
}
