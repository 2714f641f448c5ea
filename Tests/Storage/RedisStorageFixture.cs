using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Storage;
using OrleansHotData.Tests.Infrastructure;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Storage;

/// <summary>A real redis-server, the Orleans serializer of the hot-data state, and storages started against both.</summary>
public sealed class RedisStorageFixture : IAsyncLifetime
{
    public const string ServiceId = "storage-tests";
    public const string GrainType = "hotdata";

    private ServiceProvider _services = null!;

    public RedisServer Redis { get; private set; } = null!;

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString + ",allowAdmin=true");
        _services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(HotDataState).Assembly)).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _services.DisposeAsync();
        await Redis.DisposeAsync();
    }

    public static GrainId NewGrainId() => GrainId.Create("hotdata", "key-" + Guid.NewGuid().ToString("N"));

    /// <summary>The Redis key both storages use for <paramref name="grainId"/>.</summary>
    public static RedisKey KeyOf(GrainId grainId) => $"{ServiceId}/state/{grainId.Type}/{grainId.Key}/{GrainType}";

    /// <summary>The Orleans serializer the storages use, which also carries exceptions between silos and clients.</summary>
    public Serializer Serializer => _services.GetRequiredService<Serializer>();

    public Task<HotDataGrainStorage> StartHotDataStorageAsync() => StartHotDataStorageAsync(Redis);

    /// <summary>A storage started against <paramref name="redis"/>, which may be another server than the fixture's.</summary>
    public async Task<HotDataGrainStorage> StartHotDataStorageAsync(RedisServer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var storage = new HotDataGrainStorage(
            "hotdata",
            new HotDataStorageOptions { ConfigurationOptions = ConfigurationOptions.Parse(redis.ConnectionString) },
            new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()),
            Options.Create(new ClusterOptions { ServiceId = ServiceId }),
            NullLogger<HotDataGrainStorage>.Instance);
        await StartedLifecycle.StartAsync(storage);
        return storage;
    }

    /// <summary>Orleans' own Redis grain storage, configured as the silo configured it before this storage existed.</summary>
    public async Task<RedisGrainStorage> StartOrleansRedisStorageAsync(string serviceId = ServiceId)
    {
        var serializer = new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>());
        var storage = new RedisGrainStorage(
            "hotdata",
            new RedisStorageOptions { ConfigurationOptions = ConfigurationOptions.Parse(Redis.ConnectionString), GrainStorageSerializer = serializer },
            serializer,
            Options.Create(new ClusterOptions { ServiceId = serviceId }),
            _services.GetRequiredService<IActivatorProvider>(),
            NullLogger<RedisGrainStorage>.Instance);
        await StartedLifecycle.StartAsync(storage);
        return storage;
    }
}
