using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansHotData.Client;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>A separate client host, as a front-end service would run: its own Orleans client through the SDK.</summary>
public sealed class TestClientHost : IAsyncDisposable
{
    private readonly IHost _host;

    private TestClientHost(IHost host) => _host = host;

    public IHotDataClient Client => _host.Services.GetRequiredService<IHotDataClient>();

    public IServiceProvider Services => _host.Services;

    public static async Task<TestClientHost> StartAsync(string redisConnectionString, string clusterId, Action<HotDataClientOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHotDataClient(o =>
        {
            o.RedisConnectionString = redisConnectionString;
            o.ClusterId = clusterId;
            o.ServiceId = clusterId;
            configure?.Invoke(o);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TestClientHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
