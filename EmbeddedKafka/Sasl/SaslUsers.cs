using System.Security.Cryptography;
using System.Text;

namespace OrleansHotData.EmbeddedKafka.Sasl;

/// <summary>The SASL mechanisms the proxy offers.</summary>
internal static class SaslMechanisms
{
    internal const string Plain = "PLAIN";
    internal const string ScramSha256 = "SCRAM-SHA-256";
    internal const string ScramSha512 = "SCRAM-SHA-512";

    /// <summary>All of them, in the order they are offered.</summary>
    internal static readonly IReadOnlyList<string> All = [Plain, ScramSha256, ScramSha512];

    /// <summary>The hash of a SCRAM mechanism; null for any other name.</summary>
    internal static HashAlgorithmName? ScramHash(string mechanism) => mechanism switch
    {
        ScramSha256 => HashAlgorithmName.SHA256,
        ScramSha512 => HashAlgorithmName.SHA512,
        _ => null,
    };
}

/// <summary>What the server keeps for one user and one SCRAM hash (RFC 5802): never the password itself.</summary>
internal sealed record ScramSecret(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);

/// <summary>
/// The users allowed to authenticate, read from a file of <c>user:password</c> lines. Passwords are kept only as a
/// SHA-256 digest (for PLAIN) and as SCRAM secrets with a salt drawn at start, one per user and hash.
/// </summary>
internal sealed class SaslUsers
{
    /// <summary>The PBKDF2 iteration count of the SCRAM secrets (Kafka's minimum, and RFC 7677's example).</summary>
    internal const int ScramIterations = 4096;

    private readonly Dictionary<string, byte[]> plainDigests;
    private readonly Dictionary<(string User, string Mechanism), ScramSecret> scramSecrets;

    private SaslUsers(Dictionary<string, byte[]> plainDigests, Dictionary<(string, string), ScramSecret> scramSecrets)
    {
        this.plainDigests = plainDigests;
        this.scramSecrets = scramSecrets;
    }

    internal int Count => plainDigests.Count;

    /// <summary>Reads <paramref name="path"/>; on failure <paramref name="error"/> is one sentence naming the file and line.</summary>
    internal static bool TryLoad(string path, out SaslUsers? users, out string? error)
    {
        users = null;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"--sasl-users-file '{path}': cannot read it: {e.Message}";
            return false;
        }

        var passwords = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
            {
                error = $"--sasl-users-file '{path}' line {i + 1}: expected user:password (a comment starts with #).";
                return false;
            }

            var user = line[..colon];
            if (!passwords.TryAdd(user, line[(colon + 1)..]))
            {
                error = $"--sasl-users-file '{path}' line {i + 1}: user '{user}' is given more than once.";
                return false;
            }
        }

        if (passwords.Count == 0)
        {
            error = $"--sasl-users-file '{path}': no user:password line.";
            return false;
        }

        users = Create(passwords, static _ => RandomNumberGenerator.GetBytes(16));
        error = null;
        return true;
    }

    /// <summary>Derives the secrets; <paramref name="newSalt"/> gives each user's salt (random outside of tests).</summary>
    internal static SaslUsers Create(IReadOnlyDictionary<string, string> passwords, Func<string, byte[]> newSalt)
    {
        var plain = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var scram = new Dictionary<(string, string), ScramSecret>();
        foreach (var (user, password) in passwords)
        {
            var passwordBytes = Encoding.UTF8.GetBytes(password);
            plain[user] = SHA256.HashData(passwordBytes);
            foreach (var mechanism in new[] { SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha512 })
            {
                scram[(user, mechanism)] = ScramSecretFor(passwordBytes, newSalt(user), SaslMechanisms.ScramHash(mechanism)!.Value);
            }
        }

        return new SaslUsers(plain, scram);
    }

    /// <summary>Whether <paramref name="password"/> is <paramref name="user"/>'s, compared in constant time.</summary>
    internal bool CheckPassword(string user, string password) =>
        plainDigests.TryGetValue(user, out var digest)
        && CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(password)));

    /// <summary>The SCRAM secret of <paramref name="user"/> for <paramref name="mechanism"/>; null for an unknown user.</summary>
    internal ScramSecret? ScramSecretOf(string user, string mechanism) =>
        scramSecrets.TryGetValue((user, mechanism), out var secret) ? secret : null;

    private static ScramSecret ScramSecretFor(byte[] password, byte[] salt, HashAlgorithmName hash)
    {
        var length = hash == HashAlgorithmName.SHA512 ? 64 : 32;
        var salted = Rfc2898DeriveBytes.Pbkdf2(password, salt, ScramIterations, hash, length);
        var clientKey = ScramExchange.Hmac(hash, salted, "Client Key"u8);
        var serverKey = ScramExchange.Hmac(hash, salted, "Server Key"u8);
        return new ScramSecret(salt, ScramIterations, ScramExchange.Hash(hash, clientKey), serverKey);
    }
}
