using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// Builds the service provider after replacing the keyed <see cref="IGrainStorage"/> registration named
/// <paramref name="storageName"/> with a decorator of it. Orleans resolves a named storage (and its lifecycle
/// participant) through that keyed registration, so every grain of that storage gets the decorator.
/// </summary>
public sealed class GrainStorageDecoratingFactory(string storageName, Func<IServiceProvider, IGrainStorage, IGrainStorage> decorate)
    : IServiceProviderFactory<IServiceCollection>
{
    public IServiceCollection CreateBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var original = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, storageName))
            ?? throw new InvalidOperationException($"No grain storage named '{storageName}' is registered.");
        var factory = original.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"The grain storage '{storageName}' is not registered through a factory.");
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(storageName, (provider, key) => decorate(provider, (IGrainStorage)factory(provider, key)));
        return services;
    }

    public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => containerBuilder.BuildServiceProvider();
}
