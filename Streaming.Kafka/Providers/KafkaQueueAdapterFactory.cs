using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Creates the Kafka queue adapter of one stream provider, with one queue per topic partition and a
/// <see cref="KafkaQueueCache"/> per partition, which hands records back for commit only once the deliveries carrying
/// them have returned and applies backpressure instead of evicting undelivered records.
/// </summary>
internal sealed class KafkaQueueAdapterFactory : IQueueAdapterFactory
{
    private readonly KafkaQueueAdapter adapter;
    private readonly KafkaStreamQueueMapper queueMapper;
    private readonly KafkaQueueAdapterCache cache;
    private readonly KafkaStreamDeliveryFailureHandler failureHandler;

    public KafkaQueueAdapterFactory(
        string name,
        KafkaStreamOptions options,
        StreamPullingAgentOptions agentOptions,
        KafkaProducerConnection producer,
        KafkaDeadLetterPublisher deadLetters,
        KafkaStreamDiagnostics diagnostics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        queueMapper = new KafkaStreamQueueMapper(options.Topics);
        cache = new KafkaQueueAdapterCache(options, agentOptions.BatchContainerBatchSize);
        adapter = new KafkaQueueAdapter(name, options, queueMapper, producer, deadLetters, diagnostics, timeProvider, loggerFactory, cache);
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
        var agentOptions = services.GetOptionsByName<StreamPullingAgentOptions>(name);
        return new KafkaQueueAdapterFactory(
            name,
            options,
            agentOptions,
            services.GetRequiredKeyedService<KafkaProducerConnection>(name),
            services.GetRequiredKeyedService<KafkaDeadLetterPublisher>(name),
            services.GetRequiredKeyedService<KafkaStreamDiagnostics>(name),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILoggerFactory>());
    }
}
