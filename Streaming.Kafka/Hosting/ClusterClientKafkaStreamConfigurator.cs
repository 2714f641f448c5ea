using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streaming.Kafka.Providers;

namespace Orleans.Hosting;

/// <summary>
/// Configures a Kafka stream provider on a cluster client. A client only produces: events sent to a stream are
/// written to the topic of the stream's namespace, keyed by the stream key.
/// </summary>
public sealed class ClusterClientKafkaStreamConfigurator : ClusterClientPersistentStreamConfigurator
{
    /// <summary>Creates the configurator of the provider named <paramref name="name"/>.</summary>
    /// <param name="name">The stream provider name.</param>
    /// <param name="builder">The client builder.</param>
    public ClusterClientKafkaStreamConfigurator(string name, IClientBuilder builder)
        : base(name, builder, KafkaQueueAdapterFactory.Create)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(services => services.AddKafkaStreamServices(name));
    }

    /// <summary>Configures the Kafka settings.</summary>
    /// <param name="configureOptions">Configures the options builder.</param>
    /// <returns>This configurator.</returns>
    public ClusterClientKafkaStreamConfigurator ConfigureKafka(Action<OptionsBuilder<KafkaStreamOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        // Not Configure<TOptions>(), which registers the options for logging again on every call.
        ConfigureDelegate(services => configureOptions(services.AddOptions<KafkaStreamOptions>(Name)));
        return this;
    }

    /// <summary>Configures the Kafka settings.</summary>
    /// <param name="configureOptions">Sets the options.</param>
    /// <returns>This configurator.</returns>
    public ClusterClientKafkaStreamConfigurator ConfigureKafka(Action<KafkaStreamOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return ConfigureKafka(builder => builder.Configure(configureOptions));
    }
}
