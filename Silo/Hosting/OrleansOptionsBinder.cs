namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// Binds one of Orleans' options classes from a configuration section over this project's defaults, so that a
/// malformed or out-of-range value stops the silo with one line naming the setting rather than a binder stack trace.
/// </summary>
internal static class OrleansOptionsBinder
{
    /// <summary>
    /// Applies <paramref name="applyDefaults"/>, then <paramref name="section"/>, then <paramref name="validate"/> to
    /// <paramref name="options"/>.
    /// </summary>
    public static void Bind<TOptions>(
        IConfiguration section,
        TOptions options,
        string sectionName,
        Action<TOptions> applyDefaults,
        Action<TOptions> validate)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        applyDefaults(options);
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new SiloConfigurationException($"{sectionName}: {ex.Message}");
        }

        validate(options);
    }

    /// <summary>Refuses a time span that is zero or negative, naming the setting and an example of a good value.</summary>
    public static void RequirePositive(string sectionName, string name, TimeSpan value, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new SiloConfigurationException($"{sectionName}:{name} must be a positive time span such as {example}, not {value}.");
        }
    }
}
