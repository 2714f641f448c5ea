using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OrleansHotData.Grains;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Silo.Api;

/// <summary>Wires the HTTP API into the silo's web host.</summary>
public static class HotDataApi
{
    private const string NearCacheSection = HotDataApiOptions.SectionName + ":" + nameof(HotDataApiOptions.NearCache);

    public static IServiceCollection AddHotDataApi(this IServiceCollection services)
    {
        // HotDataApiOptions are bound and validated with the silo's other settings (SiloOptionsRegistration).
        services.AddHotDataNearCache<HotDataApiOptions>(NearCacheSection, o => o.NearCache);
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi();
        // Kestrel refuses bodies past the largest request the API accepts before anything reads them.
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<HotDataOptions>, IOptions<HotDataApiOptions>>((kestrel, data, api) =>
                kestrel.Limits.MaxRequestBodySize = Math.Max(data.Value.MaxValueBytes, BatchGetBodyLimit(data.Value, api.Value)) + (64 * 1024));
        services.AddHotDataChangeFeed();
        services.AddSingleton<ApiMetrics>();
        return services;
    }

    /// <summary>The largest batch-read body: every key fully escaped (six bytes per UTF-8 byte at worst) plus the envelope.</summary>
    public static int BatchGetBodyLimit(HotDataOptions data, HotDataApiOptions api) =>
        (int)Math.Min(int.MaxValue / 2, ((long)api.MaxBatchGetKeys * ((data.MaxKeyBytes * 6) + 4)) + 1024);

    public static WebApplication UseHotDataApi(this WebApplication app)
    {
        app.UseApiRequestMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi().RequireAuthorization(HotDataRoles.OperatorPolicy);
        app.MapKeysEndpoints();
        app.MapWatchEndpoint();
        return app;
    }
}
