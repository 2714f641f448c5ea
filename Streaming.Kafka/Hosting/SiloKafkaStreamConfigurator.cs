using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streaming.Kafka.Providers;

namespace Orleans.Hosting;

/// <summary>
/// Configures a Kafka stream provider on a silo: the Kafka settings, the partitions' cache and, through the extension
/// methods of <see cref="ISiloPersistentStreamConfigurator"/>, the pulling agents and queue balancer (by default the
/// partitions are spread evenly over the active silos).
/// </summary>
public sealed class SiloKafkaStreamConfigurator : SiloPersistentStreamConfigurator
{
    /// <summary>Creates the configurator of the provider named <paramref name="name"/>.</summary>
    /// <param name="name">The stream provider name.</param>
    /// <param name="configureServicesDelegate">Adds service registrations to the silo.</param>
    public SiloKafkaStreamConfigurator(string name, Action<Action<IServiceCollection>> configureServicesDelegate)
        : base(name, configureServicesDelegate, KafkaQueueAdapterFactory.Create)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configureServicesDelegate);
        ConfigureDelegate(services => services
            .AddKafkaStreamServices(name)
            // After the options' own validator (registered above), so it only checks settings that are well-formed.
            .AddTransient<IConfigurationValidator>(sp => new KafkaTopicPartitionsValidator(
                sp.GetOptionsByName<KafkaStreamOptions>(name), name, sp.GetRequiredService<ILoggerFactory>())));
        // Partitions spread evenly over the active silos; ConfigurePartitionBalancing after this replaces it.
        this.ConfigurePartitionBalancing(KafkaQueueBalancer.Create);
    }

    /// <summary>Configures the Kafka settings.</summary>
    /// <param name="configureOptions">Configures the options builder, e.g. <c>ob =&gt; ob.Configure(o =&gt; ...)</c> or <c>ob.BindConfiguration(...)</c>.</param>
    /// <returns>This configurator.</returns>
    public SiloKafkaStreamConfigurator ConfigureKafka(Action<OptionsBuilder<KafkaStreamOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        // Not Configure<TOptions>(), which registers the options for logging again on every call.
        ConfigureDelegate(services => configureOptions(services.AddOptions<KafkaStreamOptions>(Name)));
        return this;
    }

    /// <summary>Configures the Kafka settings.</summary>
    /// <param name="configureOptions">Sets the options.</param>
    /// <returns>This configurator.</returns>
    public SiloKafkaStreamConfigurator ConfigureKafka(Action<KafkaStreamOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return ConfigureKafka(builder => builder.Configure(configureOptions));
    }

    /// <summary>
    /// Sets how many records a silo keeps per partition for its consumers (<see cref="KafkaStreamOptions.CacheSize"/>).
    /// Records leave the cache, and become committable, only when the deliveries carrying them have returned; a full
    /// cache pauses reading that partition. <see cref="KafkaStreamOptions.CacheMaxBytes"/> bounds its bytes.
    /// </summary>
    /// <param name="cacheSize">Records per partition.</param>
    /// <returns>This configurator.</returns>
    public SiloKafkaStreamConfigurator ConfigureCache(int cacheSize = KafkaStreamOptions.DefaultCacheSize)
    {
        ConfigureDelegate(services => services.AddOptions<KafkaStreamOptions>(Name).Configure(options => options.CacheSize = cacheSize));
        return this;
    }
}
