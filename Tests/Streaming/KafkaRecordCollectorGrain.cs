using Orleans.Streaming.Kafka;
using Orleans.Streams;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// Receives, through an implicit subscription, the records keyed with its primary key and writes each to
/// <see cref="KafkaRecordJournal"/> together with the silo it ran on.
/// </summary>
[ImplicitStreamSubscription(KafkaStreamTestConstants.StreamNamespace)]
public sealed class KafkaRecordCollectorGrain(ILocalSiloDetails localSilo) : Grain, IKafkaRecordCollectorGrain
{
    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var silo = localSilo.SiloAddress.ToString();
        var stream = this.GetStreamProvider(KafkaStreamTestConstants.ProviderName)
            .GetStream<KafkaRecord>(StreamId.Create(KafkaStreamTestConstants.StreamNamespace, key));
        await stream.SubscribeAsync((record, _) =>
        {
            KafkaRecordJournal.Add(record, silo);
            return Task.CompletedTask;
        });
        await base.OnActivateAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task ActivateAsync() => Task.CompletedTask;
}
