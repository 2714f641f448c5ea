namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c>, two silos joined through Redis clustering, and a separate SDK client host, shared by
/// the tests of the <see cref="HotDataClusterDefinition"/>.
/// </summary>
public sealed class HotDataClusterFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public IReadOnlyList<TestSilo> Silos { get; private set; } = [];

    public TestClientHost ClientHost { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var first = await TestSilo.StartAsync(Redis.ConnectionString, ClusterId);
        var second = await TestSilo.StartAsync(Redis.ConnectionString, ClusterId);
        Silos = [first, second];
        ClientHost = await TestClientHost.StartAsync(Redis.ConnectionString, ClusterId);
        Http = new HttpClient { BaseAddress = new Uri(first.HttpUrl) };
    }

    /// <summary>A key no other test uses.</summary>
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await ClientHost.DisposeAsync();
        foreach (var silo in Silos.Reverse())
        {
            await silo.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class HotDataClusterDefinition : ICollectionFixture<HotDataClusterFixture>
{
    public const string Name = "hot-data cluster";
}
