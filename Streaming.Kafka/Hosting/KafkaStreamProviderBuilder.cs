using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;

[assembly: RegisterProvider("Kafka", "Streaming", "Silo", typeof(KafkaStreamProviderBuilder))]
[assembly: RegisterProvider("Kafka", "Streaming", "Client", typeof(KafkaStreamProviderBuilder))]

namespace Orleans.Hosting;

/// <summary>
/// Sets up a Kafka stream provider from configuration alone: <c>Orleans:Streaming:&lt;name&gt;:ProviderType</c> =
/// <c>Kafka</c>, with the section's other keys bound to <see cref="KafkaStreamOptions"/>. <c>ConnectionName</c>
/// takes the bootstrap servers from <c>ConnectionStrings:&lt;ConnectionName&gt;</c>, and <c>CacheSize</c> sets the
/// silo's cache size.
/// </summary>
internal sealed class KafkaStreamProviderBuilder : IProviderBuilder<ISiloBuilder>, IProviderBuilder<IClientBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configurationSection);
        builder.AddKafkaStreams(name, (SiloKafkaStreamConfigurator streams) =>
        {
            streams.ConfigureKafka(options => Bind(options, configurationSection));
            if (CacheSize(name, configurationSection) is { } cacheSize)
            {
                streams.ConfigureCache(cacheSize);
            }
        });
    }

    public void Configure(IClientBuilder builder, string? name, IConfigurationSection configurationSection)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configurationSection);
        builder.AddKafkaStreams(name, (ClusterClientKafkaStreamConfigurator streams) =>
            streams.ConfigureKafka(options => Bind(options, configurationSection)));
    }

    // A value that is there but not a whole number stops the silo with a line naming the setting, rather than
    // leaving the default in place.
    private static int? CacheSize(string name, IConfigurationSection section)
    {
        var text = section[nameof(KafkaStreamOptions.CacheSize)];
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cacheSize) && cacheSize >= 1
            ? cacheSize
            : throw new OrleansConfigurationException($"Kafka stream provider '{name}': {section.Path}:{nameof(KafkaStreamOptions.CacheSize)} is '{text}'; it must be a whole number of records, at least 1.");
    }

    private static void Bind(OptionsBuilder<KafkaStreamOptions> options, IConfigurationSection section)
    {
        options.Configure(kafka => section.Bind(kafka));
        options.Configure<IServiceProvider>((kafka, services) =>
        {
            var connectionName = section["ConnectionName"];
            if (string.IsNullOrWhiteSpace(kafka.BootstrapServers) && !string.IsNullOrWhiteSpace(connectionName))
            {
                kafka.BootstrapServers = services.GetService<IConfiguration>()?.GetConnectionString(connectionName) ?? string.Empty;
            }
        });
    }
}
