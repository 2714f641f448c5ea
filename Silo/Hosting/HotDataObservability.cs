using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Orleans.Streaming.Kafka;
using OrleansHotData.ChangeFeed;
using OrleansHotData.Grains;
using OrleansHotData.Silo.Api;
using OrleansHotData.Silo.Health;
using OrleansHotData.Silo.Operations;
using OrleansHotData.Silo.Security;
using StackExchange.Redis;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// The silo's cross-cutting operational setup in one place: OpenTelemetry metrics with a Prometheus scrape endpoint,
/// liveness and readiness probes, the Orleans dashboard and the operations page.
/// </summary>
public static class HotDataObservability
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    /// <summary>The meter of the Orleans runtime itself.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>The meter of the Kafka stream provider.</summary>
    public const string KafkaMeterName = "Orleans.Streaming.Kafka";

    private const string ReadyTag = "ready";

    /// <summary>Registers metrics, health checks and the operations page's reporter.</summary>
    public static IHostApplicationBuilder AddHotDataObservability(this IHostApplicationBuilder builder, ConfigurationOptions redis, bool kafkaEnabled)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton(sp => new HotDataMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            kafkaEnabled ? sp.GetRequiredKeyedService<KafkaStreamDiagnostics>(HotDataConstants.StreamProviderName) : null));

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HotDataMetrics.MeterName, HotDataNearCache.MeterName, KafkaMeterName, OrleansMeterName)
            .AddPrometheusExporter());

        services.AddSingleton<SiloLifecycleReadiness>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloLifecycleReadiness>());
        services.AddSingleton(new RedisHealthCheck(redis));
        var checks = services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag])
            .Add(new HealthCheckRegistration("redis", sp => sp.GetRequiredService<RedisHealthCheck>(), HealthStatus.Unhealthy, [ReadyTag]));
        if (kafkaEnabled)
        {
            checks.Add(new HealthCheckRegistration(
                "kafka",
                sp => new KafkaReceiversHealthCheck(sp.GetRequiredKeyedService<KafkaStreamDiagnostics>(HotDataConstants.StreamProviderName)),
                HealthStatus.Unhealthy,
                [ReadyTag]));
        }

        services.AddHostedService<ClusterStatsReporter>();
        services.AddSingleton<ClusterViewSource>();
        return builder;
    }

    /// <summary>The dashboard's view of a grain's state, which <c>Security:Dashboard:GrainState=false</c> turns off.</summary>
    public const string DashboardGrainStatePath = DashboardPath + "/GrainState";

    /// <summary>Adds the dashboard's grains and services to the silo; <c>Security:Dashboard:LogStream=false</c> turns its log stream off.</summary>
    public static ISiloBuilder AddHotDataDashboard(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddDashboard();
        silo.Services.AddOptions<DashboardOptions>()
            .Configure<IOptions<HotDataSecurityOptions>>((dashboard, security) => dashboard.HideTrace |= !security.Value.Dashboard.LogStream);
        return silo;
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c>, <c>/dashboard</c> and <c>/ops</c> (with <c>/ops/stats</c> and <c>/ops/cluster</c>).</summary>
    public static WebApplication MapHotDataObservability(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Live: the process answers HTTP. Ready: the checks tagged for readiness, each reflecting real state.
        // Probes answer without credentials (orchestrators call them), with the status only unless the caller is an
        // operator; everything else here is behind authentication.
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        // The dashboard shows any grain's state and the live log; it, /ops and /metrics are the operator's.
        if (!app.Services.GetRequiredService<IOptions<HotDataSecurityOptions>>().Value.Dashboard.GrainState)
        {
            app.Use((context, next) => context.Request.Path.StartsWithSegments(DashboardGrainStatePath)
                ? ApiProblem.NotFoundView("The dashboard's grain-state view is off (Security:Dashboard:GrainState=false).").ExecuteAsync(context)
                : next(context));
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(HotDataRoles.OperatorPolicy);
        app.MapOrleansDashboard(DashboardPath).RequireAuthorization(HotDataRoles.OperatorPolicy);
        app.MapOperationsEndpoints().RequireAuthorization(HotDataRoles.OperatorPolicy);
        app.MapGet("/", () => Results.Redirect(OperationsEndpoints.PagePath)).ExcludeFromDescription();
        return app;
    }
}
