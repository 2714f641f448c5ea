using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using OrleansHotData.Client;
using StackExchange.Redis;

// In the DI namespace so that AddHotDataClient is found beside the other Add* calls.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hot-data client SDK.</summary>
public static class HotDataClientServiceCollectionExtensions
{
    private const string NearCacheSection = HotDataClientOptions.SectionName + ":" + nameof(HotDataClientOptions.NearCache);

    /// <summary>
    /// Adds <see cref="IHotDataClient"/> and an Orleans client that finds the cluster through its Redis membership.
    /// The client connects when the host starts.
    /// </summary>
    public static IServiceCollection AddHotDataClient(this IServiceCollection services, Action<HotDataClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<HotDataClientOptions>().Configure(configure);
        return services.AddHotDataClientCore();
    }

    /// <summary>Adds <see cref="IHotDataClient"/> with options bound from <paramref name="section"/> (for example <c>HotDataClient</c>).</summary>
    public static IServiceCollection AddHotDataClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<HotDataClientOptions>().Bind(section);
        return services.AddHotDataClientCore();
    }

    private static IServiceCollection AddHotDataClientCore(this IServiceCollection services)
    {
        services.AddOptions<HotDataClientOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.RedisConnectionString),
                $"{HotDataClientOptions.SectionName}:{nameof(HotDataClientOptions.RedisConnectionString)} is not set: give the Redis server that holds the cluster's membership.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClusterId), $"{HotDataClientOptions.SectionName}:{nameof(HotDataClientOptions.ClusterId)} is empty.")
            .Validate(o => o.MaxKeyBytes > 0 && o.MaxValueBytes > 0, $"{HotDataClientOptions.SectionName}: the key and value limits must be positive.")
            .Validate(o => o.WatchBufferCapacity > 0, $"{HotDataClientOptions.SectionName}:{nameof(HotDataClientOptions.WatchBufferCapacity)} must be at least 1.")
            .ValidateOnStart();

        services.AddOrleansClient(client =>
        {
            client.UseRedisClustering(_ => { });
            client.Services.AddOptions<RedisClusteringOptions>()
                .Configure<IOptions<HotDataClientOptions>>((o, hd) => o.ConfigurationOptions = ConfigurationOptions.Parse(hd.Value.RedisConnectionString!));
            client.Services.AddOptions<ClusterOptions>()
                .Configure<IOptions<HotDataClientOptions>>((o, hd) =>
                {
                    o.ClusterId = hd.Value.ClusterId;
                    o.ServiceId = hd.Value.ServiceId;
                });
        });
        services.AddHotDataChangeFeed();
        services.AddHotDataNearCache<HotDataClientOptions>(NearCacheSection, o => o.NearCache);
        // A dropped gateway connection may have taken pushes with it: the near-cache confirms its entries again.
        services.AddSingleton<IClusterConnectionStatusObserver>(sp => new NearCacheConnectionObserver(sp));
        services.AddSingleton<IHotDataClient, HotDataClient>();
        return services;
    }
}
