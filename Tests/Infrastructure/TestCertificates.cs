using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// A throw-away certificate authority and a server certificate it issued for <c>localhost</c> and 127.0.0.1, written
/// as PEM files (readable by anyone, as a container's unprivileged user needs them) into a scratch directory.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, X509Certificate2 authority, X509Certificate2 server)
    {
        Directory = directory;
        Authority = authority;
        Server = server;
    }

    public string Directory { get; }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    /// <summary>The authority's certificate, PEM.</summary>
    public string AuthorityPath => Path.Combine(Directory, "ca.pem");

    /// <summary>The server's certificate, PEM.</summary>
    public string ServerCertificatePath => Path.Combine(Directory, "server.pem");

    /// <summary>The server's private key, PEM (PKCS#8, unencrypted).</summary>
    public string ServerKeyPath => Path.Combine(Directory, "server.key");

    public static TestCertificates Create(string? directory = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("hotdata-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = RSA.Create(2048);
        var authorityRequest = new CertificateRequest("CN=hotdata test authority", authorityKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = serverRequest.Create(authority, now.AddMinutes(-5), now.AddDays(1), serial);
        var server = issued.CopyWithPrivateKey(serverKey);

        var certificates = new TestCertificates(directory, authority, server);
        Write(certificates.AuthorityPath, authority.ExportCertificatePem());
        Write(certificates.ServerCertificatePath, server.ExportCertificatePem());
        Write(certificates.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return certificates;
    }

    /// <summary>An HTTP handler that accepts exactly <see cref="Server"/>'s certificate (pinned, as a client that trusts it would).</summary>
    public HttpClientHandler PinnedHandler()
    {
        var expected = Server.RawData;
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(expected),
        };
    }

    private static void Write(string path, string pem)
    {
        File.WriteAllText(path, pem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
