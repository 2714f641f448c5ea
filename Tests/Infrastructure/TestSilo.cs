using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansHotData.Silo.Hosting;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>One real silo host — Orleans on Redis plus the HTTP API — built exactly as the silo program builds it.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private TestSilo(WebApplication app, string httpUrl, int siloPort, int gatewayPort)
    {
        App = app;
        HttpUrl = httpUrl;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public WebApplication App { get; }

    public string HttpUrl { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    /// <param name="redisConnectionString">The Redis server for membership and grain state.</param>
    /// <param name="clusterId">The cluster (and service) id.</param>
    /// <param name="settings">Further configuration values, overriding the defaults here.</param>
    /// <param name="configure">Changes the host builder after the settings are added, as <see cref="HotDataSilo.Build"/> allows.</param>
    public static async Task<TestSilo> StartAsync(
        string redisConnectionString,
        string clusterId,
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var endpoints = TestSiloEndpoints.Allocate();
        var values = endpoints.Settings(redisConnectionString, clusterId, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        }, settings);

        var app = HotDataSilo.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new TestSilo(app, endpoints.HttpUrl, endpoints.SiloPort, endpoints.GatewayPort);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
