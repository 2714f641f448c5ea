using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Grains.NearCache;
using OrleansHotData.Grains.Storage;
using OrleansHotData.Silo.Api;
using OrleansHotData.Silo.Security;
using StackExchange.Redis;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// Builds the silo host: Orleans on Redis clustering and storage, the HTTP API beside it, and the operational
/// endpoints (health, metrics, dashboard, operations page).
/// </summary>
public static class HotDataSilo
{
    /// <summary>The connection string name of the Redis server that holds membership and grain state.</summary>
    public const string RedisConnectionName = "Redis";

    /// <summary>The configuration section of Kafka ingestion; ingestion is off when it names no bootstrap servers.</summary>
    public const string KafkaSectionName = "Kafka";

    public const string DefaultTopic = "hotdata.events";
    public const int DefaultTopicPartitions = 8;
    public const string DefaultConsumerGroupId = "hotdata";

    /// <summary>The most queued records of one key delivered to its grain in one call.</summary>
    public const int StreamDeliveryBatchSize = 64;

    /// <summary>
    /// The records of one partition a silo holds between reading and delivering them (<c>Kafka:CacheSize</c>). A record
    /// waiting for its key's grain keeps its partition's cache from draining; when full, the silo stops reading.
    /// </summary>
    public const int DefaultStreamCacheSize = 4096;

    /// <summary>The key, under the Kafka section, of the stream cache size.</summary>
    public const string StreamCacheSizeSetting = "CacheSize";

    /// <summary>
    /// Room for a record's headers in the largest record the silo accepts from Kafka (<c>Kafka:MaxRecordBytes</c> is at
    /// least <c>HotData:MaxValueBytes</c> + <c>HotData:MaxKeyBytes</c> + this), so its dead letter always fits.
    /// </summary>
    public const int RecordHeaderAllowanceBytes = 64 * 1024;

    /// <summary>
    /// How long a key's stream may go without records before the silo reading its partition lets go of what it keeps for
    /// that stream (<c>Kafka:StreamInactivityPeriod</c>; Orleans: 30 min). That state — the stream's consumer record, its
    /// cache cursor, the reference to the key's grain — measured about 0.8 KB per key, and none of it is needed between
    /// records: the key's next record sets it up again with one handshake call to the grain, which resumes after the
    /// last record it applied. Kept well below the grains' collection age, so a key idle for minutes costs the silo only
    /// its activation until that is collected too.
    /// </summary>
    public static readonly TimeSpan DefaultStreamInactivityPeriod = TimeSpan.FromMinutes(2);

    /// <summary>The key, under the Kafka section, of the stream inactivity period.</summary>
    public const string StreamInactivityPeriodSetting = "StreamInactivityPeriod";

    /// <summary>The shortest stream inactivity period accepted: the agent looks for idle streams ten times a period.</summary>
    public static readonly TimeSpan MinStreamInactivityPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How often a silo looks for new records of each partition it reads.</summary>
    public static readonly TimeSpan StreamPollingPeriod = TimeSpan.FromMilliseconds(10);

    /// <summary>Creates the silo application from <paramref name="args"/> and the standard configuration sources.</summary>
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--Orleans:Endpoints:SiloPort=11112</c>).</param>
    /// <param name="configure">A last chance to change the builder, for tests and embedding hosts.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        AddHotDataSilo(builder);
        var app = builder.Build();
        app.UseHotDataSecurity();
        app.UseHotDataApi();
        app.MapHotDataObservability();
        return app;
    }

    /// <summary>Registers Orleans, storage, clustering and the HTTP API services on <paramref name="builder"/>.</summary>
    public static void AddHotDataSilo(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var redisConnectionString = configuration.GetConnectionString(RedisConnectionName);
        if (string.IsNullOrWhiteSpace(redisConnectionString))
        {
            throw new SiloConfigurationException(
                $"ConnectionStrings:{RedisConnectionName} is not set: give the Redis server that holds cluster membership and grain state, for example 127.0.0.1:6379.");
        }

        // Every setting is bound and checked here, so that a malformed value stops the silo before it starts, with its name.
        var bound = builder.Services.AddSiloOptions(configuration);
        var redisOptions = bound.Redis.Apply(redisConnectionString, RedisConnectionSetting);
        HttpsCertificate.Validate(configuration);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CachePushHub>();
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.GracePeriod);
        var kafkaEnabled = bound.Kafka.Enabled;
        AddChangelog(builder.Services, kafkaEnabled);
        builder.AddHotDataObservability(redisOptions, kafkaEnabled);

        builder.UseOrleans(silo =>
        {
            var settings = bound.Silo;
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.ConfigureEndpoints(
                settings.ResolveAdvertisedAddress(),
                settings.Endpoints.SiloPort,
                settings.Endpoints.GatewayPort,
                settings.Endpoints.ListenOnAnyHostAddress);
            silo.UseRedisClustering(o => o.ConfigurationOptions = redisOptions.Clone());
            silo.AddOrleansOptions(configuration);
            // The grains' state in a compact format of our own, one round trip per read or write (HotDataGrainStorage).
            silo.AddHotDataGrainStorage(HotDataConstants.StorageName, options => options
                .Bind(configuration.GetSection(HotDataStorageOptions.SectionName))
                .Configure(o => o.ConfigurationOptions = redisOptions.Clone()));

            if (kafkaEnabled)
            {
                AddKafkaIngestion(silo, configuration.GetSection(KafkaSectionName), bound.Kafka, redisOptions);
            }

            silo.AddHotDataDashboard();
            silo.UseKubernetesHostingInPod();
        });

        builder.AddHotDataSecurity(bound.Security);
        builder.Services.AddHotDataApi();
    }

    /// <summary>The settings that make up the Redis connection, for errors that ask to check them.</summary>
    public const string RedisSettings = RedisConnectionSetting + " and the " + RedisConnectionOptions.SectionName + " section";

    /// <summary>The setting of the Redis connection string.</summary>
    public const string RedisConnectionSetting = "ConnectionStrings:" + RedisConnectionName;

    /// <summary><c>ConnectionStrings:Redis</c> with the <c>Redis</c> section's credentials and TLS settings applied.</summary>
    public static ConfigurationOptions RedisOptions(IConfiguration configuration, string connectionString)
    {
        var settings = SiloOptionsRegistration.Read<RedisConnectionOptions>(configuration, RedisConnectionOptions.SectionName, _ => []);
        return settings.Apply(connectionString, RedisConnectionSetting);
    }

    /// <summary>
    /// Stops a silo whose Redis refuses its credentials or TLS before it starts, with one line (see
    /// <see cref="RedisAccessCheck"/>).
    /// </summary>
    public static Task VerifyRedisAccessAsync(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString(RedisConnectionName) ?? string.Empty;
        return RedisAccessCheck.VerifyAsync(RedisOptions(configuration, connectionString), RedisSettings);
    }

    /// <summary>
    /// Publishes every applied change to the changelog topic through the Kafka stream provider's producer, when Kafka is
    /// configured and <c>Changelog:Enabled</c> is not false.
    /// </summary>
    private static void AddChangelog(IServiceCollection services, bool kafkaEnabled)
    {
        services.AddSingleton(sp => new ChangelogPublisher(
            sp.GetRequiredService<IOptions<ChangelogOptions>>(),
            kafkaEnabled ? sp.GetRequiredKeyedService<Orleans.Streaming.Kafka.IKafkaRecordProducer>(HotDataConstants.StreamProviderName) : null,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ChangelogPublisher>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        // Sends the outboxes of a crashed silo's keys once the cluster declares it dead.
        services.AddSingleton<ChangelogRecovery>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ChangelogRecovery>());
    }

    /// <summary>The changelog topic when <c>Changelog:Topic</c> is not set: the first ingested topic's name + <c>.changes</c>.</summary>
    public static string DefaultChangelogTopic(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var first = configuration.GetSection(KafkaSectionName).GetSection(nameof(KafkaStreamOptions.Topics)).GetChildren().FirstOrDefault()?[nameof(KafkaTopicOptions.Name)];
        return (string.IsNullOrWhiteSpace(first) ? DefaultTopic : first) + ChangelogOptions.DefaultTopicSuffix;
    }

    /// <summary>
    /// Feeds the grains from Kafka: every partition of the configured topics is an Orleans queue, read by one silo
    /// at a time; records reach the grain of their key through the hot-data stream namespace.
    /// </summary>
    private static void AddKafkaIngestion(ISiloBuilder silo, IConfigurationSection kafka, KafkaIngestionOptions ingestion, ConfigurationOptions redisOptions)
    {
        silo.AddKafkaStreams(HotDataConstants.StreamProviderName, streams =>
        {
            // Never give up on delivering a record: a grain that cannot persist (Redis down) fails the delivery, and
            // moving past it would let later records of the key overtake it and its offset be skipped as applied.
            // The key's stream waits instead, and the record's offset holds the partition's commit back.
            // Records of one key that queued up behind each other reach its grain in one call (up to the batch size),
            // which applies them and writes the result to Redis once; the cursor moves past them only after that.
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                o.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan;
                o.BatchContainerBatchSize = StreamDeliveryBatchSize;
                // A record waits for the agent's next look at its partition: the default 100 ms is the floor of its latency.
                o.GetQueueMsgsTimerPeriod = StreamPollingPeriod;
                o.StreamInactivityPeriod = ingestion.StreamInactivityPeriod;
            }));
            // Retry a failed delivery within seconds once the key's grain is reachable again (after a silo crash).
            streams.ConfigureBackoffProvider((_, _) => new StreamDeliveryBackoff());
            // Only the implicit subscription of HotDataGrain reads these streams. With explicit subscriptions allowed, the
            // pulling agent registers with a pub-sub grain per stream on its first record — per key, one more activation
            // and a state read and write in Redis — to find subscribers that never exist.
            streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
            streams.ConfigureCache(ingestion.CacheSize);
            streams.ConfigureKafka(options => options
                .Bind(kafka)
                .PostConfigure<IOptions<HotDataOptions>>((o, hotData) =>
                {
                    // The largest record the grains accept must fit the dead-letter topic whole.
                    var accepted = (long)hotData.Value.MaxValueBytes + hotData.Value.MaxKeyBytes + RecordHeaderAllowanceBytes;
                    o.MaxRecordBytes = (int)Math.Min(KafkaStreamOptions.MaxMaxRecordBytes, Math.Max(o.MaxRecordBytes, accepted));

                    if (string.IsNullOrWhiteSpace(o.ConsumerGroupId))
                    {
                        o.ConsumerGroupId = DefaultConsumerGroupId;
                    }

                    if (o.Topics.Count == 0)
                    {
                        o.Topics.Add(new KafkaTopicOptions { Name = DefaultTopic, Partitions = DefaultTopicPartitions });
                    }

                    foreach (var topic in o.Topics.Where(t => string.IsNullOrWhiteSpace(t.StreamNamespace)))
                    {
                        topic.StreamNamespace = HotDataConstants.StreamNamespace;
                    }
                }));
        });
        // Explicit stream subscriptions of other stream providers, if any, live in Redis too.
        silo.AddRedisGrainStorage(ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME, o => o.ConfigurationOptions = redisOptions.Clone());
    }
}
