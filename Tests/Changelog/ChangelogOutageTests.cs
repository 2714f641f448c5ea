using Microsoft.Extensions.DependencyInjection;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Changelog;

/// <summary>
/// The changelog through a broker outage longer than the producer's message timeout: refused records are sent again,
/// a key whose outbox is full refuses changes rather than lose one, and afterwards nothing is missing.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Faults)]
public sealed class ChangelogOutageTests : IAsyncLifetime
{
    private const int MaxOutboxEntries = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private InProcessCluster _cluster = null!;
    private TestSilo? _silo;

    public async Task InitializeAsync() => _cluster = await ChangelogTestCluster.StartAsync("outage", 2);

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    /// <summary>The silo, whose changes meeting a full outbox wait <paramref name="outboxFullTimeout"/> for Kafka before they are refused.</summary>
    private async Task<TestSilo> StartSiloAsync(TimeSpan outboxFullTimeout) => _silo = await _cluster.StartSiloAsync(new Dictionary<string, string?>
    {
        // Records queued while the broker is down fail after a second: the outage outlasts them.
        ["Kafka:ClientConfig:message.timeout.ms"] = "1000",
        ["Changelog:MaxOutboxEntries"] = $"{MaxOutboxEntries}",
        ["Changelog:RetryInterval"] = "00:00:00.200",
        ["Changelog:OutboxFullTimeout"] = outboxFullTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    });

    [Fact]
    public async Task Changes_applied_during_a_broker_outage_reach_the_changelog_after_it_and_a_full_outbox_refuses_changes()
    {
        // Short: each refusal waits this long first.
        var silo = await StartSiloAsync(TimeSpan.FromSeconds(1));
        var keys = Enumerable.Range(0, 10).Select(i => $"k{i}").ToList();
        var model = keys.ToDictionary(k => k, _ => new Dictionary<long, string?>(), StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var result = await silo.Grains.GetGrain<IHotDataGrain>(key).ApplyAsync(HotDataChange.Set("0"));
            model[key][result.Version] = result.Value!.Json;
        }

        _cluster.Kafka.SetBrokerDown();
        var refused = 0;
        // The keys side by side: each refusal first waits Changelog:OutboxFullTimeout.
        await Task.WhenAll(keys.Select(async key =>
        {
            var grain = silo.Grains.GetGrain<IHotDataGrain>(key);
            for (var n = 1; n <= MaxOutboxEntries + 2; n++)
            {
                try
                {
                    var result = await grain.ApplyAsync(HotDataChange.Set($"{n}"));
                    model[key][result.Version] = result.Value!.Json;
                }
                catch (ChangelogOutboxFullException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }));

        // Each key's outbox held its first change (perhaps acknowledged before the outage) and what came during it.
        Assert.True(refused >= keys.Count, $"{refused} changes were refused; every key should have refused at least one");
        var publisher = silo.App.Services.GetRequiredService<ChangelogPublisher>();
        await Eventually.TrueAsync(() => Task.FromResult(publisher.Failed > 0), Deadline, "records queued in the outage to time out");

        _cluster.Kafka.SetBrokerUp();
        foreach (var key in keys)
        {
            var grain = silo.Grains.GetGrain<IHotDataGrain>(key);
            var result = await Eventually.ReturnsAsync(
                async () =>
                {
                    try
                    {
                        return await grain.ApplyAsync(HotDataChange.Set("\"after\""));
                    }
                    catch (ChangelogOutboxFullException)
                    {
                        return null;
                    }
                },
                r => r is not null,
                Deadline,
                $"{key} to accept changes once Kafka caught up");
            model[key][result!.Version] = result.Value!.Json;
        }

        var audit = await _cluster.AuditAsync(model, Deadline);
        Assert.Empty(model.SelectMany(p => audit.Problems(p.Key, p.Value)));
    }

    [Fact]
    public async Task A_burst_of_changes_to_one_key_larger_than_its_outbox_waits_for_kafka_instead_of_failing()
    {
        const string key = "burst";
        const int changes = MaxOutboxEntries * 10;
        // Long enough for any acknowledgement on a loaded machine (a fresh producer's first one can take over a
        // second): the burst must wait for room, however long Kafka takes, not be refused.
        var silo = await StartSiloAsync(TimeSpan.FromSeconds(30));
        var grain = silo.Grains.GetGrain<IHotDataGrain>(key);

        // All at once: the grain applies them one after another, each while the records before it are still on their way.
        var results = await Task.WhenAll(Enumerable.Range(1, changes).Select(n => grain.ApplyAsync(HotDataChange.Set($"{n}"))));

        Assert.Equal(Enumerable.Range(1, changes).Select(v => (long)v), results.Select(r => r.Version).Order());
        var model = new Dictionary<string, Dictionary<long, string?>>(StringComparer.Ordinal)
        {
            [key] = results.ToDictionary(r => r.Version, r => r.Value?.Json),
        };
        var audit = await _cluster.AuditAsync(model, Deadline);
        Assert.Empty(audit.Problems(key, model[key]));
    }
}
