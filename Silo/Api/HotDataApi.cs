namespace OrleansHotData.Silo.Api;

/// <summary>Wires the HTTP API into the silo's web host.</summary>
public static class HotDataApi
{
    public static IServiceCollection AddHotDataApi(this IServiceCollection services)
    {
        services.AddOptions<HotDataApiOptions>()
            .BindConfiguration(HotDataApiOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi();
        services.AddHotDataChangeFeed();
        return services;
    }

    public static WebApplication UseHotDataApi(this WebApplication app)
    {
        app.UseApiRequestMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapKeysEndpoints();
        app.MapWatchEndpoint();
        return app;
    }
}
