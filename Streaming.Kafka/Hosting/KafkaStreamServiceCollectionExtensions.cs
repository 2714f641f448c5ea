using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streaming.Kafka;
using Orleans.Streaming.Kafka.Providers;

namespace Orleans.Hosting;

/// <summary>Registers the services one Kafka stream provider needs on a silo or client.</summary>
internal static class KafkaStreamServiceCollectionExtensions
{
    public static IServiceCollection AddKafkaStreamServices(this IServiceCollection services, string name)
    {
        services.AddOptions<KafkaStreamOptions>(name);
        services.ConfigureNamedOptionForLogging<KafkaStreamOptions>(name);
        services.AddTransient<IConfigurationValidator>(sp =>
            new KafkaStreamOptionsValidator(sp.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name), name));

        services.AddKeyedSingleton(name, static (sp, key) =>
        {
            var name = (string)key!;
            return new KafkaProducerConnection(name, sp.GetOptionsByName<KafkaStreamOptions>(name), sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddKeyedSingleton(name, static (sp, key) =>
        {
            var name = (string)key!;
            return new KafkaDeadLetterPublisher(
                name,
                sp.GetOptionsByName<KafkaStreamOptions>(name),
                sp.GetRequiredKeyedService<KafkaProducerConnection>(name),
                sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddKeyedSingleton<IKafkaRecordProducer>(name, static (sp, key) => sp.GetRequiredKeyedService<KafkaProducerConnection>(key));
        services.AddKeyedSingleton<IKafkaDeadLetterPublisher>(name, static (sp, key) => sp.GetRequiredKeyedService<KafkaDeadLetterPublisher>(key));
        services.AddKeyedSingleton<KafkaStreamDiagnostics>(name);
        return services;
    }
}
