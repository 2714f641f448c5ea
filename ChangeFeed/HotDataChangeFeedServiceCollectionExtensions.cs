using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansHotData.ChangeFeed;

// In the DI namespace so that AddHotDataChangeFeed is found beside the other Add* calls.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a process's <see cref="HotDataChangeFeed"/>: the SDK's, or a silo's for its watch endpoint.</summary>
public static class HotDataChangeFeedServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="HotDataChangeFeed"/> that serves watchers in this process: on a client host (through
    /// <c>AddHotDataClient</c>) or on a silo.
    /// </summary>
    public static IServiceCollection AddHotDataChangeFeed(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HotDataChangeFeed>();
        return services;
    }
}
