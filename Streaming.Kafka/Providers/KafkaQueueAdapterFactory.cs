using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Creates the Kafka queue adapter of one stream provider, with one queue per topic partition and Orleans'
/// <see cref="SimpleQueueAdapterCache"/>, which hands records back for commit only once every consumer has passed
/// them and applies backpressure instead of evicting undelivered records.
/// </summary>
internal sealed class KafkaQueueAdapterFactory : IQueueAdapterFactory
{
    private readonly KafkaQueueAdapter adapter;
    private readonly KafkaStreamQueueMapper queueMapper;
    private readonly SimpleQueueAdapterCache cache;
    private readonly KafkaStreamDeliveryFailureHandler failureHandler;

    public KafkaQueueAdapterFactory(
        string name,
        KafkaStreamOptions options,
        SimpleQueueCacheOptions cacheOptions,
        KafkaProducerConnection producer,
        KafkaDeadLetterPublisher deadLetters,
        KafkaStreamDiagnostics diagnostics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        queueMapper = new KafkaStreamQueueMapper(options.Topics);
        cache = new SimpleQueueAdapterCache(cacheOptions, name, loggerFactory);
        adapter = new KafkaQueueAdapter(name, options, queueMapper, producer, deadLetters, diagnostics, timeProvider, loggerFactory);
        failureHandler = new KafkaStreamDeliveryFailureHandler(loggerFactory.CreateLogger<KafkaStreamDeliveryFailureHandler>());
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken) => Task.FromResult<IQueueAdapter>(adapter);

    public IQueueAdapterCache GetQueueAdapterCache() => cache;

    public IStreamQueueMapper GetStreamQueueMapper() => queueMapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult<IStreamFailureHandler>(failureHandler);

    /// <summary>Creates the factory of the stream provider named <paramref name="name"/>.</summary>
    public static KafkaQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        var options = services.GetOptionsByName<KafkaStreamOptions>(name);
        var cacheOptions = services.GetOptionsByName<SimpleQueueCacheOptions>(name);
        return new KafkaQueueAdapterFactory(
            name,
            options,
            cacheOptions,
            services.GetRequiredKeyedService<KafkaProducerConnection>(name),
            services.GetRequiredKeyedService<KafkaDeadLetterPublisher>(name),
            services.GetRequiredKeyedService<KafkaStreamDiagnostics>(name),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILoggerFactory>());
    }
}
