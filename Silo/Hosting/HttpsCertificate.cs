using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// The HTTP API's TLS certificate: Kestrel's <c>Kestrel:Certificates:Default</c> settings (<c>Path</c> of a PEM
/// certificate with <c>KeyPath</c> of its key, or of a PKCS#12 file; <c>Password</c> of either), checked before the
/// silo starts so that an <c>https://</c> address without a usable certificate stops it with one line naming the
/// setting instead of Kestrel's stack trace when the server starts — after the silo already joined the cluster.
/// </summary>
public static class HttpsCertificate
{
    public const string Section = "Kestrel:Certificates:Default";
    public const string PathSetting = Section + ":Path";
    public const string KeyPathSetting = Section + ":KeyPath";
    public const string PasswordSetting = Section + ":Password";

    /// <summary>
    /// Throws <see cref="SiloConfigurationException"/> when <c>Urls</c> has an <c>https://</c> address and the
    /// certificate is missing, unreadable, without its private key or expired. Endpoints configured in Kestrel's own
    /// <c>Kestrel:Endpoints</c> section are Kestrel's to check.
    /// </summary>
    public static void Validate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var urls = configuration[ListenPorts.UrlsSetting] ?? string.Empty;
        var https = urls.Contains("https://", StringComparison.OrdinalIgnoreCase);
        if (configuration.GetSection("Kestrel:Endpoints").Exists() || (!https && string.IsNullOrEmpty(configuration[PathSetting])))
        {
            return;
        }

        if (string.IsNullOrEmpty(configuration[PathSetting]))
        {
            throw new SiloConfigurationException(
                $"{ListenPorts.UrlsSetting} has an https:// address but {PathSetting} is not set: give the API's certificate (a PEM file with {KeyPathSetting}, or a PKCS#12 file with {PasswordSetting}).");
        }

        using var certificate = Load(configuration)!;
        if (!certificate.HasPrivateKey)
        {
            throw new SiloConfigurationException($"{PathSetting} '{configuration[PathSetting]}' holds no private key: give it with {KeyPathSetting} (PEM) or use a PKCS#12 file.");
        }

        if (certificate.NotAfter < DateTime.Now)
        {
            throw new SiloConfigurationException(
                $"The certificate of {PathSetting} ('{certificate.Subject}') expired on {certificate.NotAfter:u}: renew it.");
        }
    }

    /// <summary>The configured certificate, or <see langword="null"/> when none is configured.</summary>
    /// <exception cref="SiloConfigurationException">The files cannot be read or the password does not open them.</exception>
    public static X509Certificate2? Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = configuration[PathSetting];
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var keyPath = configuration[KeyPathSetting];
        var password = configuration[PasswordSetting];
        foreach (var (file, setting) in new[] { (path, PathSetting), (keyPath, KeyPathSetting) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                throw new SiloConfigurationException($"{setting} is '{file}', which is not a readable file.");
            }
        }

        try
        {
            if (!string.IsNullOrEmpty(keyPath) || IsPem(path))
            {
                return string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(path, string.IsNullOrEmpty(keyPath) ? null : keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, string.IsNullOrEmpty(keyPath) ? null : keyPath);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SiloConfigurationException(
                $"{PathSetting} '{path}' cannot be loaded{(string.IsNullOrEmpty(keyPath) ? string.Empty : $" with {KeyPathSetting} '{keyPath}'")}: {ex.Message} (is {PasswordSetting} right?)");
        }
    }

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[64];
        var read = reader.Read(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);
    }
}
