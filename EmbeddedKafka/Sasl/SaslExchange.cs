using System.Security.Cryptography;
using System.Text;

namespace OrleansHotData.EmbeddedKafka.Sasl;

/// <summary>The server's answer to one client message: bytes to send back, and whether the exchange ended.</summary>
/// <param name="Response">The server's message (empty for PLAIN).</param>
/// <param name="Succeeded">The client is authenticated.</param>
/// <param name="Failure">Why authentication failed, for the client's error message; null while it goes on or after success.</param>
internal readonly record struct SaslStep(byte[] Response, bool Succeeded, string? Failure)
{
    internal static SaslStep Continue(byte[] response) => new(response, false, null);

    internal static SaslStep Success(byte[] response) => new(response, true, null);

    internal static SaslStep Fail(string failure) => new([], false, failure);
}

/// <summary>The server side of one SASL authentication.</summary>
internal abstract class SaslExchange
{
    /// <summary>The user the client claimed, once known (for the log).</summary>
    internal string? User { get; private protected set; }

    internal abstract string Mechanism { get; }

    /// <summary>Takes the client's next message.</summary>
    internal abstract SaslStep Evaluate(ReadOnlySpan<byte> message);

    /// <summary>Starts an exchange of <paramref name="mechanism"/>, one of <see cref="SaslMechanisms.All"/>.</summary>
    internal static SaslExchange Start(string mechanism, SaslUsers users) =>
        mechanism == SaslMechanisms.Plain
            ? new PlainExchange(users)
            : new ScramExchange(mechanism, users, static () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    private protected string InvalidCredentials() =>
        $"Authentication failed: invalid credentials with SASL mechanism {Mechanism}";
}

/// <summary>SASL PLAIN (RFC 4616): one message <c>authzid NUL user NUL password</c>.</summary>
internal sealed class PlainExchange(SaslUsers users) : SaslExchange
{
    internal override string Mechanism => SaslMechanisms.Plain;

    internal override SaslStep Evaluate(ReadOnlySpan<byte> message)
    {
        var parts = Encoding.UTF8.GetString(message).Split('\0');
        if (parts.Length != 3)
        {
            return SaslStep.Fail("Authentication failed: a PLAIN message is authzid, user and password separated by NUL");
        }

        var (authorizationId, user, password) = (parts[0], parts[1], parts[2]);
        User = user;
        if (authorizationId.Length > 0 && authorizationId != user)
        {
            return SaslStep.Fail("Authentication failed: a client may not act for another user");
        }

        return users.CheckPassword(user, password) ? SaslStep.Success([]) : SaslStep.Fail(InvalidCredentials());
    }
}

/// <summary>
/// SCRAM-SHA-256/512 (RFC 5802, RFC 7677) without channel binding: client-first → server-first (nonce, salt,
/// iterations), client-final with proof → server-final with the server's signature.
/// </summary>
internal sealed class ScramExchange : SaslExchange
{
    private readonly SaslUsers users;
    private readonly HashAlgorithmName hash;
    private readonly Func<string> newNonce;
    private ScramSecret? secret;
    private string? gs2Header;
    private string? clientFirstBare;
    private string? serverFirst;
    private string? nonce;

    internal ScramExchange(string mechanism, SaslUsers users, Func<string> newNonce)
    {
        Mechanism = mechanism;
        hash = SaslMechanisms.ScramHash(mechanism) ?? throw new ArgumentException($"{mechanism} is not a SCRAM mechanism.", nameof(mechanism));
        this.users = users;
        this.newNonce = newNonce;
    }

    internal override string Mechanism { get; }

    internal override SaslStep Evaluate(ReadOnlySpan<byte> message)
    {
        var text = Encoding.UTF8.GetString(message);
        return serverFirst is null ? ClientFirst(text) : ClientFinal(text);
    }

    internal static byte[] Hmac(HashAlgorithmName hash, byte[] key, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, data) : HMACSHA256.HashData(key, data);

    internal static byte[] Hash(HashAlgorithmName hash, byte[] data) =>
        hash == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : SHA256.HashData(data);

    private SaslStep ClientFirst(string text)
    {
        // gs2-header: "n," or "y," (no channel binding), then an optional "a=authzid", then ",".
        if (!(text.StartsWith("n,", StringComparison.Ordinal) || text.StartsWith("y,", StringComparison.Ordinal)))
        {
            return SaslStep.Fail($"Authentication failed: {Mechanism} without channel binding expected a client-first message starting with n, or y,");
        }

        var headerEnd = text.IndexOf(',', 2);
        if (headerEnd < 0)
        {
            return SaslStep.Fail($"Authentication failed: malformed {Mechanism} client-first message");
        }

        gs2Header = text[..(headerEnd + 1)];
        clientFirstBare = text[(headerEnd + 1)..];
        var attributes = Attributes(clientFirstBare);
        if (!attributes.TryGetValue('n', out var saslName) || !attributes.TryGetValue('r', out var clientNonce) || clientNonce.Length == 0)
        {
            return SaslStep.Fail($"Authentication failed: {Mechanism} client-first message without user or nonce");
        }

        User = saslName.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        var authorizationId = gs2Header.Length > 3 && gs2Header[2..].StartsWith("a=", StringComparison.Ordinal) ? gs2Header[4..^1] : string.Empty;
        if (authorizationId.Length > 0 && authorizationId != User)
        {
            return SaslStep.Fail("Authentication failed: a client may not act for another user");
        }

        secret = users.ScramSecretOf(User, Mechanism);
        if (secret is null)
        {
            return SaslStep.Fail(InvalidCredentials());
        }

        nonce = clientNonce + newNonce();
        serverFirst = $"r={nonce},s={Convert.ToBase64String(secret.Salt)},i={secret.Iterations}";
        return SaslStep.Continue(Encoding.UTF8.GetBytes(serverFirst));
    }

    private SaslStep ClientFinal(string text)
    {
        var proofStart = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofStart < 0)
        {
            return SaslStep.Fail($"Authentication failed: {Mechanism} client-final message without proof");
        }

        // librdkafka sends its own nonce again in front of the combined one; Kafka brokers accept a nonce that ends
        // with the combined one, and so does this. The proof covers the message as the client sent it.
        var withoutProof = text[..proofStart];
        var attributes = Attributes(withoutProof);
        if (!attributes.TryGetValue('c', out var channelBinding)
            || channelBinding != Convert.ToBase64String(Encoding.UTF8.GetBytes(gs2Header!))
            || !attributes.TryGetValue('r', out var finalNonce)
            || !finalNonce.EndsWith(nonce!, StringComparison.Ordinal))
        {
            return SaslStep.Fail($"Authentication failed: {Mechanism} client-final message does not match the exchange");
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(text[(proofStart + 3)..]);
        }
        catch (FormatException)
        {
            return SaslStep.Fail($"Authentication failed: {Mechanism} proof is not base64");
        }

        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = Hmac(hash, secret!.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length)
        {
            return SaslStep.Fail(InvalidCredentials());
        }

        // ClientKey = ClientProof XOR ClientSignature; the client knew the password if H(ClientKey) is the stored key.
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] ^= clientSignature[i];
        }

        if (!CryptographicOperations.FixedTimeEquals(Hash(hash, proof), secret.StoredKey))
        {
            return SaslStep.Fail(InvalidCredentials());
        }

        var serverSignature = Hmac(hash, secret.ServerKey, authMessage);
        return SaslStep.Success(Encoding.UTF8.GetBytes($"v={Convert.ToBase64String(serverSignature)}"));
    }

    /// <summary>Splits <c>k=value,k=value</c>; the first occurrence of a key wins.</summary>
    private static Dictionary<char, string> Attributes(string text)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var part in text.Split(','))
        {
            if (part.Length >= 2 && part[1] == '=')
            {
                attributes.TryAdd(part[0], part[2..]);
            }
        }

        return attributes;
    }
}
