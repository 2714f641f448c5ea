using Microsoft.Extensions.Options;

namespace OrleansHotData.ChangeFeed;

/// <summary>Refuses the near-cache settings held by <typeparamref name="TOptions"/> with the message naming the setting at fault.</summary>
internal sealed class NearCacheOptionsValidator<TOptions>(string section, Func<TOptions, HotDataNearCacheOptions> select) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options) =>
        select(options).Validate(section) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
