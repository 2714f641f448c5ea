using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansHotData.Grains;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Silo.Api;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// The one place that binds and validates the silo's settings. Every options class is registered here with its
/// section, its defaults and its validator (<c>AddOptions().Bind(section)</c>, an <see cref="IValidateOptions{TOptions}"/>,
/// <c>ValidateOnStart()</c>), and is also bound and validated once at registration, so that a malformed or out-of-range
/// value stops the silo before it binds a port or connects anywhere, with one line naming the setting
/// (<see cref="SiloConfigurationException"/>). The two storage and stream providers bind their own named options
/// (<c>HotDataStorage</c>, the stream provider's view of <c>Kafka</c>) with validators of their own.
/// </summary>
public static class SiloOptionsRegistration
{
    /// <summary>
    /// Registers the silo's own options on <paramref name="services"/>, bound from <paramref name="configuration"/>,
    /// and returns those needed while the host is being built.
    /// </summary>
    /// <exception cref="SiloConfigurationException">A setting is malformed or out of range; the message names it.</exception>
    public static BoundSiloOptions AddSiloOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var redis = services.AddSiloOptions<RedisConnectionOptions>(configuration, RedisConnectionOptions.SectionName, _ => []);
        var silo = services.AddSiloOptions<HotDataSiloOptions>(configuration, HotDataSiloOptions.SectionName, HotDataSiloOptions.Problems);
        var shutdown = services.AddSiloOptions<ShutdownOptions>(configuration, ShutdownOptions.SectionName, ShutdownOptions.Problems);
        var kafka = services.AddSiloOptions<KafkaIngestionOptions>(configuration, KafkaIngestionOptions.SectionName, KafkaIngestionOptions.Problems);
        services.AddSiloOptions<HotDataOptions>(configuration, HotDataOptions.SectionName, DataAnnotationProblems<HotDataOptions>);
        services.AddSiloOptions<HotDataApiOptions>(configuration, HotDataApiOptions.SectionName, DataAnnotationProblems<HotDataApiOptions>);
        services.AddSiloOptions<ChangelogOptions>(
            configuration,
            ChangelogOptions.SectionName,
            DataAnnotationProblems<ChangelogOptions>,
            postConfigure: o => o.Topic = string.IsNullOrWhiteSpace(o.Topic) ? HotDataSilo.DefaultChangelogTopic(configuration) : o.Topic);
        var security = services.AddSiloOptions<HotDataSecurityOptions>(configuration, HotDataSecurityOptions.SectionName, HotDataSecurity.Problems);
        return new BoundSiloOptions(silo, redis, shutdown, kafka, security);
    }

    /// <summary>
    /// Registers the Orleans options this project sets defaults for — failure detection
    /// (<see cref="MembershipOptionsSetup"/>) and activation collection (<see cref="GrainCollectionOptionsSetup"/>) —
    /// bound from their sections over those defaults.
    /// </summary>
    /// <exception cref="SiloConfigurationException">A setting is malformed or out of range; the message names it.</exception>
    public static void AddOrleansOptions(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        // Failure detection in seconds, not Orleans' tens of seconds: a dead silo's partitions and keys move sooner.
        silo.Services.AddSiloOptions<ClusterMembershipOptions>(
            configuration, MembershipOptionsSetup.SectionName, MembershipOptionsSetup.Problems, MembershipOptionsSetup.ApplyDefaults);
        silo.Services.AddSiloOptions<GrainCollectionOptions>(
            configuration, GrainCollectionOptionsSetup.SectionName, GrainCollectionOptionsSetup.Problems, GrainCollectionOptionsSetup.ApplyDefaults);
    }

    /// <summary>
    /// Binds <paramref name="sectionName"/> of <paramref name="configuration"/> over <paramref name="defaults"/> and checks
    /// the result, without registering anything: for tools that read the silo's settings without running a silo.
    /// </summary>
    /// <exception cref="SiloConfigurationException">A setting is malformed or out of range; the message names it.</exception>
    public static TOptions Read<TOptions>(
        IConfiguration configuration,
        string sectionName,
        Func<TOptions, IEnumerable<string>> problems,
        Action<TOptions>? defaults = null,
        Action<TOptions>? postConfigure = null)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new TOptions();
        defaults?.Invoke(options);
        try
        {
            configuration.GetSection(sectionName).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the setting and the value: "Failed to convert configuration value 'abc' at 'Orleans:Endpoints:SiloPort' to type 'System.Int32'."
            throw new SiloConfigurationException(OneLine(ex.Message));
        }

        postConfigure?.Invoke(options);
        var failures = problems(options).ToList();
        return failures.Count == 0 ? options : throw new SiloConfigurationException(OneLine(string.Join(" ", failures)));
    }

    /// <summary>A time span setting that is zero or negative, named with an example of a good value; null when it is positive.</summary>
    public static string? NotPositive(string sectionName, string name, TimeSpan value, string example) =>
        value <= TimeSpan.Zero ? $"{sectionName}:{name} must be a positive time span such as {example}, not {value}." : null;

    private static TOptions AddSiloOptions<TOptions>(
        this IServiceCollection services,
        IConfiguration configuration,
        string sectionName,
        Func<TOptions, IEnumerable<string>> problems,
        Action<TOptions>? defaults = null,
        Action<TOptions>? postConfigure = null)
        where TOptions : class, new()
    {
        var options = services.AddOptions<TOptions>();
        if (defaults is not null)
        {
            options.Configure(defaults);
        }

        options.Bind(configuration.GetSection(sectionName));
        if (postConfigure is not null)
        {
            options.PostConfigure(postConfigure);
        }

        services.AddSingleton<IValidateOptions<TOptions>>(new SiloOptionsValidator<TOptions>(problems));
        options.ValidateOnStart();
        return Read(configuration, sectionName, problems, defaults, postConfigure);
    }

    private static IEnumerable<string> DataAnnotationProblems<TOptions>(TOptions options)
        where TOptions : class
    {
        var result = new DataAnnotationValidateOptions<TOptions>(Options.DefaultName).Validate(Options.DefaultName, options);
        return result.Failed ? result.Failures : [];
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>Checks the unnamed <typeparamref name="TOptions"/> whenever they are built, with the same rules as at registration.</summary>
    private sealed class SiloOptionsValidator<TOptions>(Func<TOptions, IEnumerable<string>> problems) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            if (name != Options.DefaultName)
            {
                return ValidateOptionsResult.Skip;
            }

            var failures = problems(options).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>The silo's options that building the host needs, bound and validated by <see cref="SiloOptionsRegistration"/>.</summary>
public sealed record BoundSiloOptions(
    HotDataSiloOptions Silo,
    RedisConnectionOptions Redis,
    ShutdownOptions Shutdown,
    KafkaIngestionOptions Kafka,
    HotDataSecurityOptions Security);
