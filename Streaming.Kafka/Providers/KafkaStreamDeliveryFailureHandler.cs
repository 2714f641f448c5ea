using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Reports records Orleans gave up delivering. Such a record is never reported delivered, so its partition's
/// committed offset stays before it; it is delivered again when the partition is next read from that offset.
/// </summary>
internal sealed partial class KafkaStreamDeliveryFailureHandler(ILogger<KafkaStreamDeliveryFailureHandler> logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogDeliveryFailed(streamProviderName, streamIdentity, sequenceToken, subscriptionId);
        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogSubscriptionFailed(streamProviderName, streamIdentity, sequenceToken, subscriptionId);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Kafka stream provider '{Provider}': delivery of {Token} on stream {StreamId} to subscription {SubscriptionId} failed; the partition's committed offset stays before it")]
    private partial void LogDeliveryFailed(string provider, StreamId streamId, StreamSequenceToken? token, GuidId subscriptionId);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Kafka stream provider '{Provider}': subscribing {SubscriptionId} to stream {StreamId} at {Token} failed")]
    private partial void LogSubscriptionFailed(string provider, StreamId streamId, StreamSequenceToken? token, GuidId subscriptionId);
}
