using Orleans.Streaming.Kafka;
using Orleans.Streams;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// Receives, through an implicit subscription, the records keyed with its primary key and writes each to
/// <see cref="KafkaRecordJournal"/> together with the silo it ran on; fails on records whose value is <see cref="PoisonValue"/>,
/// and on those a <see cref="KafkaRecordFailureSwitch"/> that is on names; holds a delivery open while the
/// <see cref="KafkaDeliveryGate"/> its record names is closed.
/// </summary>
[ImplicitStreamSubscription(KafkaStreamTestConstants.StreamNamespace)]
public sealed class KafkaRecordCollectorGrain(ILocalSiloDetails localSilo) : Grain, IKafkaRecordCollectorGrain
{
    /// <summary>A record with this value makes the grain fail, every time it is delivered.</summary>
    public const string PoisonValue = "poison";

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var silo = localSilo.SiloAddress.ToString();
        var stream = this.GetStreamProvider(KafkaStreamTestConstants.ProviderName)
            .GetStream<KafkaRecord>(StreamId.Create(KafkaStreamTestConstants.StreamNamespace, key));
        await stream.SubscribeAsync(async (record, _) =>
        {
            await KafkaDeliveryGate.WaitAsync(record.GetValueAsString());
            if (record.GetValueAsString() == PoisonValue || KafkaRecordFailureSwitch.MustFail(record.GetValueAsString()))
            {
                throw new InvalidOperationException($"{record} cannot be applied.");
            }

            KafkaRecordJournal.Add(record, silo);
        });
        await base.OnActivateAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task ActivateAsync() => Task.CompletedTask;
}
