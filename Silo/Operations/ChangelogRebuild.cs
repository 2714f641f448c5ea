using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Orleans.Configuration;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Grains.Storage;
using OrleansHotData.Silo.Hosting;
using StackExchange.Redis;

namespace OrleansHotData.Silo.Operations;

/// <summary>
/// <c>rebuild</c>: restores every key's state into an empty Redis from the changelog topic — the recovery path when
/// Redis is lost. Run with the silos' configuration (the same appsettings.json, environment and arguments) while no
/// silo runs; start the silos after it. Reads the topic from its beginning to its current end, keeps the newest version
/// of each key, and writes each key's value, version, time to live and upstream version in the stored format. Refuses
/// a Redis that already holds hot-data states unless <c>--force</c> is given. Exit code 0 when done, 1 when Kafka or
/// Redis failed, 2 when refused.
/// </summary>
public static class ChangelogRebuild
{
    public const string Argument = "rebuild";

    public const string ForceArgument = "--force";

    private const int WriteBatch = 1000;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var force = args.Contains(ForceArgument);
        var configuration = WebApplication.CreateBuilder(args.Where(a => a != Argument && a != ForceArgument).ToArray()).Configuration;
        var redisConnection = configuration.GetConnectionString(HotDataSilo.RedisConnectionName);
        var kafka = configuration.GetSection(HotDataSilo.KafkaSectionName);
        var bootstrap = kafka[nameof(KafkaStreamOptions.BootstrapServers)];
        if (string.IsNullOrWhiteSpace(redisConnection) || string.IsNullOrWhiteSpace(bootstrap))
        {
            await output.WriteLineAsync($"Rebuild refused: ConnectionStrings:{HotDataSilo.RedisConnectionName} and {kafka.Path}:{nameof(KafkaStreamOptions.BootstrapServers)} must both be set.");
            return 2;
        }

        var topic = configuration[$"{ChangelogOptions.SectionName}:{nameof(ChangelogOptions.Topic)}"] is { Length: > 0 } named ? named : HotDataSilo.DefaultChangelogTopic(configuration);
        var storage = configuration.GetSection(HotDataStorageOptions.SectionName).Get<HotDataStorageOptions>() ?? new HotDataStorageOptions();
        HotDataSiloOptions settings;
        try
        {
            settings = SiloOptionsRegistration.Read<HotDataSiloOptions>(configuration, HotDataSiloOptions.SectionName, HotDataSiloOptions.Problems);
        }
        catch (SiloConfigurationException ex)
        {
            await output.WriteLineAsync($"Rebuild refused: {ex.Message}");
            return 2;
        }

        var prefix = HotDataGrainStorage.KeyPrefix(storage, settings.ServiceId);

        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
            var database = redis.GetDatabase(storage.Database);
            var existing = await CountStatesAsync(redis, storage.Database, prefix);
            if (existing > 0 && !force)
            {
                await output.WriteLineAsync($"Rebuild refused: Redis already holds hot-data states under '{prefix}' (at least {existing}); a rebuild restores into an empty Redis. Give {ForceArgument} to overwrite them with the changelog's versions.");
                return 2;
            }

            await output.WriteLineAsync($"Reading changelog topic '{topic}' from {bootstrap} ...");
            var snapshot = Read(ConsumerConfig(kafka, bootstrap), topic, output);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Read {snapshot.Records} records of {snapshot.Count} keys; writing their states under '{prefix}' ..."));
            var summary = await WriteAsync(database, prefix, snapshot, force, output);
            await output.WriteLineAsync(summary);
            return 0;
        }
        catch (Exception ex) when (ex is KafkaException or RedisException or TimeoutException or FormatException)
        {
            await output.WriteLineAsync($"Rebuild failed: {ex.Message}");
            return 1;
        }
    }

    private static ConsumerConfig ConsumerConfig(IConfigurationSection kafka, string bootstrap)
    {
        // The silos' own client settings (security and the like), as the stream provider passes them to its clients.
        var clientConfig = kafka.GetSection(nameof(KafkaStreamOptions.ClientConfig)).GetChildren()
            .Where(c => c.Value is not null)
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        return new ConsumerConfig(clientConfig)
        {
            BootstrapServers = bootstrap,
            GroupId = "hotdata-rebuild",
            ClientId = "hotdata-rebuild",
        };
    }

    private static ChangelogSnapshot Read(ConsumerConfig config, string topic, TextWriter output)
    {
        var snapshot = new ChangelogSnapshot();
        var progress = Stopwatch.StartNew();
        ChangelogTopicReader.Read(config, topic, (position, message) =>
        {
            try
            {
                var (key, entry) = ChangelogRecord.Parse(message);
                snapshot.Add(key, entry);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Record {position} is not a changelog record: {ex.Message}", ex);
            }

            if (progress.Elapsed >= TimeSpan.FromSeconds(2))
            {
                progress.Restart();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  read {snapshot.Records} records, {snapshot.Count} keys (at {position})"));
            }
        }, CancellationToken.None);
        return snapshot;
    }

    private static async Task<string> WriteAsync(IDatabase database, string prefix, ChangelogSnapshot snapshot, bool force, TextWriter output)
    {
        long written = 0, values = 0, removed = 0, withTtl = 0, kept = 0;
        var pending = new List<Task<bool>>(WriteBatch);
        foreach (var (key, entry) in snapshot.Latest)
        {
            var state = ChangelogSnapshot.ToState(entry);
            var redisKey = HotDataGrainStorage.StateKey(prefix, HotDataConstants.StateName, GrainId.Create(HotDataConstants.GrainType, key));
            pending.Add(database.StringSetAsync(redisKey, HotDataStateFormat.Encode(1, state), when: force ? When.Always : When.NotExists));
            values += state.Json is null ? 0 : 1;
            removed += state.Json is null ? 1 : 0;
            withTtl += state.ExpiresAt is null ? 0 : 1;
            if (pending.Count == WriteBatch)
            {
                (written, kept) = Count(await Task.WhenAll(pending), written, kept);
                pending.Clear();
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  wrote {written} of {snapshot.Count} keys"));
            }
        }

        (written, kept) = Count(await Task.WhenAll(pending), written, kept);
        return string.Create(CultureInfo.InvariantCulture,
            $"Rebuilt {written} keys from {snapshot.Records} changelog records: {values} with a value ({withTtl} of them with a time to live), {removed} deleted or expired (their version kept){(kept > 0 ? $"; {kept} keys already in Redis left as they were" : "")}. Start the silos.");

        static (long Written, long Kept) Count(bool[] results, long written, long kept) =>
            (written + results.Count(r => r), kept + results.Count(r => !r));
    }

    private static async Task<long> CountStatesAsync(ConnectionMultiplexer redis, int database, string prefix)
    {
        long found = 0;
        foreach (var server in redis.GetServers())
        {
            await foreach (var _ in server.KeysAsync(database, prefix + "*", pageSize: 1000))
            {
                if (++found >= 1000)
                {
                    return found;
                }
            }
        }

        return found;
    }
}
