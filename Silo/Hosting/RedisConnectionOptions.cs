using System.Security.Authentication;
using StackExchange.Redis;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// Credentials and TLS of the Redis connection (section <c>Redis</c>), applied on top of
/// <c>ConnectionStrings:Redis</c>: the address can then live in plain configuration and the password in a secret
/// (<c>Redis__Password</c> from the environment or a secret store), never in a connection string that gets copied
/// around. A value given here replaces the connection string's.
/// </summary>
public sealed class RedisConnectionOptions
{
    public const string SectionName = "Redis";

    /// <summary>The ACL user (Redis 6+); empty for the <c>default</c> user and <c>requirepass</c>.</summary>
    public string? User { get; set; }

    /// <summary>The password of <see cref="User"/>, or Redis' <c>requirepass</c>.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS (<c>ssl=true</c> in the connection string does the same).</summary>
    public bool? Tls { get; set; }

    /// <summary>
    /// A PEM file of the certificate authority that issued the Redis server's certificate, when it is not one the
    /// machine trusts. Only server certificates that chain to it are accepted.
    /// </summary>
    public string? TlsCaPath { get; set; }

    /// <summary>The host name the server's certificate must carry, when it differs from the address connected to.</summary>
    public string? TlsHost { get; set; }

    /// <summary>
    /// The StackExchange.Redis options of <paramref name="connectionString"/> (named by
    /// <paramref name="connectionSetting"/> in errors) with these settings applied.
    /// </summary>
    /// <exception cref="SiloConfigurationException">The connection string or a setting is not usable.</exception>
    public ConfigurationOptions Apply(string connectionString, string connectionSetting)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new SiloConfigurationException($"{connectionSetting} is not a valid Redis connection string: {ex.Message}");
        }

        if (!string.IsNullOrEmpty(User))
        {
            options.User = User;
        }

        if (!string.IsNullOrEmpty(Password))
        {
            options.Password = Password;
        }

        if (Tls is { } tls)
        {
            options.Ssl = tls;
        }

        if (!string.IsNullOrEmpty(TlsHost))
        {
            options.SslHost = TlsHost;
        }

        if (!string.IsNullOrEmpty(TlsCaPath))
        {
            if (!File.Exists(TlsCaPath))
            {
                throw new SiloConfigurationException(
                    $"{SectionName}:{nameof(TlsCaPath)} is '{TlsCaPath}', which is not a readable file: give the PEM file of the certificate authority of the Redis server's certificate.");
            }

            if (!options.Ssl)
            {
                throw new SiloConfigurationException(
                    $"{SectionName}:{nameof(TlsCaPath)} is set but TLS is off: set {SectionName}:{nameof(Tls)}=true (or ssl=true in {connectionSetting}).");
            }

            try
            {
                options.TrustIssuer(TlsCaPath);
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new SiloConfigurationException($"{SectionName}:{nameof(TlsCaPath)} '{TlsCaPath}' is not a PEM certificate: {ex.Message}");
            }
        }

        if (options.Ssl)
        {
            options.SslProtocols ??= SslProtocols.Tls12 | SslProtocols.Tls13;
        }

        return options;
    }
}
