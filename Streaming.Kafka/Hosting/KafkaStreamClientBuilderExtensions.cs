using Orleans.Configuration;

namespace Orleans.Hosting;

/// <summary>Adds Kafka stream providers to a cluster client.</summary>
public static class KafkaStreamClientBuilderExtensions
{
    /// <summary>
    /// Adds a Kafka stream provider named <paramref name="name"/> to the client, so that events the client sends to a
    /// stream are written to Kafka. Clients do not read partitions.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The stream provider name, as passed to <c>GetStreamProvider</c>.</param>
    /// <param name="configure">Configures the provider.</param>
    /// <returns>The client builder.</returns>
    public static IClientBuilder AddKafkaStreams(this IClientBuilder builder, string name, Action<ClusterClientKafkaStreamConfigurator> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var configurator = new ClusterClientKafkaStreamConfigurator(name, builder);
        configure(configurator);
        return builder;
    }

    /// <summary>Adds a Kafka stream provider named <paramref name="name"/> to the client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The stream provider name.</param>
    /// <param name="configureOptions">Sets the Kafka options.</param>
    /// <returns>The client builder.</returns>
    public static IClientBuilder AddKafkaStreams(this IClientBuilder builder, string name, Action<KafkaStreamOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.AddKafkaStreams(name, (ClusterClientKafkaStreamConfigurator streams) => streams.ConfigureKafka(configureOptions));
    }
}
