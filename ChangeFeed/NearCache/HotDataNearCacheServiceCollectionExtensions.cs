using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansHotData.ChangeFeed;

// In the DI namespace so that AddHotDataNearCache is found beside the other Add* calls.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a process's <see cref="HotDataNearCache"/>: the SDK's, or a silo's for its HTTP reads.</summary>
public static class HotDataNearCacheServiceCollectionExtensions
{
    /// <summary>
    /// Adds the process's near-cache with the settings <paramref name="select"/> takes from <typeparamref name="TOptions"/>,
    /// validated at start-up with messages naming <paramref name="section"/> (for example <c>HotDataClient:NearCache</c>).
    /// </summary>
    public static IServiceCollection AddHotDataNearCache<TOptions>(this IServiceCollection services, string section, Func<TOptions, HotDataNearCacheOptions> select)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(select);
        services.AddSingleton<IValidateOptions<TOptions>>(new NearCacheOptionsValidator<TOptions>(section, select));
        services.AddOptions<TOptions>().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new HotDataNearCache(
            sp.GetRequiredService<IGrainFactory>(),
            select(sp.GetRequiredService<IOptions<TOptions>>().Value),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<HotDataNearCache>(),
            sp.GetService<IMeterFactory>()));
        return services;
    }
}
