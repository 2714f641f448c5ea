using Microsoft.Extensions.DependencyInjection;
using OrleansHotData.Grains;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Changelog;

/// <summary>The changelog on real parts: a silo on a real Redis reading the embedded broker, its changelog read back by a Confluent consumer.</summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class ChangelogPublishTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private InProcessCluster _cluster = null!;
    private TestSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ChangelogTestCluster.StartAsync("changelog", 4);
        _silo = await _cluster.StartSiloAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Every_applied_change_from_the_api_and_kafka_reaches_the_changelog_in_version_order()
    {
        var model = new Dictionary<string, Dictionary<long, string?>>(StringComparer.Ordinal);
        var apiKeys = Enumerable.Range(0, 20).Select(i => $"api-{i}").ToList();
        foreach (var key in apiKeys)
        {
            var grain = _silo.Grains.GetGrain<IHotDataGrain>(key);
            Record(key, await grain.ApplyAsync(HotDataChange.Set("""{"n":1,"s":"x"}""")));
            Record(key, await grain.ApplyAsync(HotDataChange.Increment("""{"n":5}""")));
            Record(key, await grain.ApplyAsync(HotDataChange.Patch("""{"s":"y"}""")));
            if (key.EndsWith('3'))
            {
                Record(key, await grain.ApplyAsync(HotDataChange.Delete()));
            }
        }

        // One key expires: its removal is a change too.
        var expiring = _silo.Grains.GetGrain<IHotDataGrain>("api-expiring");
        Record("api-expiring", await expiring.ApplyAsync(HotDataChange.Set("\"soon\"", TimeSpan.FromMilliseconds(300))));
        var kafkaKeys = Enumerable.Range(0, 20).Select(i => $"kafka-{i}").ToList();
        for (var n = 1; n <= 5; n++)
        {
            foreach (var key in kafkaKeys)
            {
                var json = $$"""{"seq":{{n}}}""";
                await _cluster.ProduceAsync(_cluster.Topic, key, json);
                Applied(key)[n] = json;
            }
        }

        await Eventually.TrueAsync(async () => (await expiring.GetAsync()) is null && (await _silo.Grains.GetGrain<IHotDataGrain>("kafka-19").GetAsync())?.Version == 5, Deadline, "the expiry and the Kafka records to be applied");
        Applied("api-expiring")[2] = null;

        var audit = await _cluster.AuditAsync(model, Deadline);

        Assert.Empty(model.SelectMany(p => audit.Problems(p.Key, p.Value)));
        Assert.Equal(HotDataChangeSource.Expiry, audit.Records["api-expiring"].Last().Source);
        Assert.Equal(HotDataChangeSource.Kafka, audit.Records["kafka-0"].Last().Source);
        Assert.Equal(HotDataChangeSource.Api, audit.Records["api-0"].Last().Source);

        void Record(string key, WriteResult result)
        {
            Assert.Equal(WriteStatus.Applied, result.Status);
            Applied(key)[result.Version] = result.Value?.Json;
        }

        Dictionary<long, string?> Applied(string key) =>
            model.TryGetValue(key, out var versions) ? versions : model[key] = [];
    }

    [Fact]
    public async Task The_stored_outbox_of_an_idle_key_is_emptied_when_its_activation_goes()
    {
        var key = "idle-" + Guid.NewGuid().ToString("N");
        var grain = _silo.Grains.GetGrain<IHotDataGrain>(key);
        await grain.ApplyAsync(HotDataChange.Set("1"));
        var storageKey = $"{_silo.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orleans.Configuration.ClusterOptions>>().Value.ServiceId}/state/hotdata/{key}/state";
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_cluster.Redis.ConnectionString);
        Assert.NotNull(Stored().Outbox);

        await _silo.Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        await Eventually.TrueAsync(() => Task.FromResult(Stored().Outbox is null), Deadline, "the outbox to be trimmed on deactivation");
        Assert.Equal(1, Stored().Version);

        HotDataState Stored() => Grains.Storage.HotDataStateFormat.Decode((byte[])redis.GetDatabase().StringGet(storageKey)!).State!;
    }
}
