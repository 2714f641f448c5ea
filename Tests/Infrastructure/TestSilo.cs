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
        var httpUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redisConnectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = clusterId,
            ["Orleans:Endpoints:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Urls"] = httpUrl,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var app = HotDataSilo.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new TestSilo(app, httpUrl, siloPort, gatewayPort);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
