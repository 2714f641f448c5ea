using Orleans.Configuration;

namespace Orleans.Hosting;

/// <summary>Adds Kafka stream providers to a silo.</summary>
public static class KafkaStreamSiloBuilderExtensions
{
    /// <summary>Adds a Kafka stream provider named <paramref name="name"/> that reads and writes Kafka topics.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The stream provider name, as passed to <c>GetStreamProvider</c>.</param>
    /// <param name="configure">Configures the provider.</param>
    /// <returns>The silo builder.</returns>
    public static ISiloBuilder AddKafkaStreams(this ISiloBuilder builder, string name, Action<SiloKafkaStreamConfigurator> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var configurator = new SiloKafkaStreamConfigurator(name, configureServices => builder.ConfigureServices(configureServices));
        configure(configurator);
        return builder;
    }

    /// <summary>Adds a Kafka stream provider named <paramref name="name"/> with default cache and pulling settings.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The stream provider name.</param>
    /// <param name="configureOptions">Sets the Kafka options.</param>
    /// <returns>The silo builder.</returns>
    public static ISiloBuilder AddKafkaStreams(this ISiloBuilder builder, string name, Action<KafkaStreamOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.AddKafkaStreams(name, (SiloKafkaStreamConfigurator streams) => streams.ConfigureKafka(configureOptions));
    }
}
