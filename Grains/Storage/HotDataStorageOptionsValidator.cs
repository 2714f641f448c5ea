using Microsoft.Extensions.Options;

namespace OrleansHotData.Grains.Storage;

/// <summary>Refuses <see cref="HotDataStorageOptions"/> a storage cannot work with, naming the setting and its value.</summary>
public sealed class HotDataStorageOptionsValidator : IValidateOptions<HotDataStorageOptions>
{
    /// <summary>The highest database number accepted; Redis has 16 unless configured otherwise.</summary>
    public const int MaxDatabase = 65535;

    public ValidateOptionsResult Validate(string? name, HotDataStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = HotDataStorageOptions.SectionName;
        List<string>? failures = null;
        if (options.ConfigurationOptions is null)
        {
            (failures ??= []).Add($"The Redis connection of hot-data storage '{name}' is not set: give ConnectionStrings:Redis.");
        }

        if (options.KeyPrefix is { } prefix && string.IsNullOrWhiteSpace(prefix))
        {
            (failures ??= []).Add($"{section}:{nameof(HotDataStorageOptions.KeyPrefix)} is '{prefix}': leave it out for the default {{ServiceId}}/state/, or give a non-blank prefix.");
        }

        if (options.Database is < HotDataStorageOptions.DefaultDatabase or > MaxDatabase)
        {
            (failures ??= []).Add($"{section}:{nameof(HotDataStorageOptions.Database)} is {options.Database}: it must be a database number from 0 to {MaxDatabase}, or -1 for the connection's default.");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
