using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;

namespace OrleansHotData.Grains.Storage;

/// <summary>Registers a <see cref="HotDataGrainStorage"/> on a silo.</summary>
public static class HotDataStorageSiloBuilderExtensions
{
    /// <summary>
    /// Adds the hot-data grain storage named <paramref name="name"/>; <paramref name="configure"/> binds and sets its
    /// <see cref="HotDataStorageOptions"/>, which are validated when the silo starts.
    /// </summary>
    public static ISiloBuilder AddHotDataGrainStorage(this ISiloBuilder silo, string name, Action<OptionsBuilder<HotDataStorageOptions>> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configure);
        configure(silo.Services.AddOptions<HotDataStorageOptions>(name));
        silo.Services.AddOptions<HotDataStorageOptions>(name).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<HotDataStorageOptions>, HotDataStorageOptionsValidator>();
        silo.Services.AddGrainStorage(name, HotDataGrainStorage.Create);
        return silo;
    }
}
