using Microsoft.AspNetCore.Builder;
using Orleans.Persistence.Redis;
using Orleans.Storage;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Wraps the silo's real grain storage and fails writes as <see cref="StorageFaults"/> decides, with the exception
/// the Redis provider itself throws. Reads and clears pass through.
/// </summary>
public sealed class FaultInjectingGrainStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>
    /// Makes the silo built by <paramref name="builder"/> wrap its <c>hotdata</c> grain storage. The registration is
    /// replaced when the service provider is built, after the silo registered the real storage.
    /// </summary>
    public static void Install(WebApplicationBuilder builder, StorageFaults faults)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Host.UseServiceProviderFactory(new GrainStorageDecoratingFactory(
            HotDataConstants.StorageName,
            (_, storage) => new FaultInjectingGrainStorage(storage, faults)));
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var fault = faults.Next();
        if (fault == StorageFault.BeforeWrite)
        {
            throw new RedisStorageException($"Injected fault: the write of {grainId} did not reach Redis.");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (fault == StorageFault.AfterWrite)
        {
            // The provider never learns the new ETag, as when the answer is lost: the next write with the old one
            // conflicts, which is what really happens then.
            throw new RedisStorageException($"Injected fault: the write of {grainId} reached Redis, but its answer was lost.");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle observer)
    {
        if (inner is ILifecycleParticipant<ISiloLifecycle> participant)
        {
            participant.Participate(observer);
        }
    }
}
