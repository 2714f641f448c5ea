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
        return services;
    }

    public static WebApplication UseHotDataApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapKeysEndpoints();
        return app;
    }
}
