using System.Net.Sockets;
using System.Text;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.EmbeddedKafka.Sasl;

namespace OrleansHotData.Tests.Kafka;

/// <summary>The SASL front's parts on their own: SCRAM and PLAIN servers, the users file, the ApiVersions rewrite, the options.</summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class SaslProtocolTests
{
    // RFC 7677 section 3: user "user", password "pencil".
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

    [Fact]
    public void The_scram_sha_256_server_follows_the_rfc_7677_example()
    {
        var exchange = Rfc7677Exchange("pencil");

        var first = exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFirst));
        Assert.Null(first.Failure);
        Assert.Equal($"r=rOprNGfwEbeRWgbNEkqO{ServerNonce},s={Salt},i=4096", Encoding.UTF8.GetString(first.Response));

        var final = exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFinal));
        Assert.True(final.Succeeded, final.Failure);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Encoding.UTF8.GetString(final.Response));
        Assert.Equal("user", exchange.User);
    }

    [Fact]
    public void The_test_client_proof_matches_the_rfc_7677_example()
    {
        var withoutProof = ClientFinal[..ClientFinal.IndexOf(",p=", StringComparison.Ordinal)];
        Assert.Equal(ClientFinal, ClientFinalWithProof("pencil", ClientFirst[3..], $"r=rOprNGfwEbeRWgbNEkqO{ServerNonce},s={Salt},i=4096", withoutProof));
    }

    [Fact]
    public void A_scram_client_final_message_that_repeats_the_client_nonce_is_accepted_as_kafka_brokers_do()
    {
        // librdkafka 2.0 (Debian 12's, under kcat) sends r=<client nonce><combined nonce>, and Kafka brokers accept it.
        var exchange = Rfc7677Exchange("pencil");
        var serverFirst = Encoding.UTF8.GetString(exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFirst)).Response);
        var withoutProof = $"c=biws,r=rOprNGfwEbeRWgbNEkqO{serverFirst[2..serverFirst.IndexOf(',', StringComparison.Ordinal)]}";

        var final = exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFinalWithProof("pencil", ClientFirst[3..], serverFirst, withoutProof)));
        Assert.True(final.Succeeded, final.Failure);
    }

    [Fact]
    public void A_scram_proof_made_with_another_password_fails()
    {
        // The RFC's proof was computed with "pencil"; the server here knows the user with another password.
        var exchange = Rfc7677Exchange("crayon");
        Assert.Null(exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFirst)).Failure);

        var final = exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFinal));
        Assert.False(final.Succeeded);
        Assert.Contains("invalid credentials", final.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scram_client_final_message_with_another_nonce_fails()
    {
        var exchange = Rfc7677Exchange("pencil");
        exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFirst));

        var final = exchange.Evaluate(Encoding.UTF8.GetBytes(ClientFinal.Replace("$k0", "$k1", StringComparison.Ordinal)));
        Assert.False(final.Succeeded);
        Assert.NotNull(final.Failure);
    }

    [Fact]
    public void An_unknown_scram_user_fails_at_the_first_message()
    {
        var exchange = Rfc7677Exchange("pencil");
        var first = exchange.Evaluate("n,,n=nobody,r=abc"u8);
        Assert.Contains("invalid credentials", first.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\0alice\0secret", true)]
    [InlineData("alice\0alice\0secret", true)]
    [InlineData("\0alice\0secreT", false)]
    [InlineData("\0bob\0secret", false)]
    [InlineData("bob\0alice\0secret", false)]
    [InlineData("alice\0secret", false)]
    public void Plain_accepts_only_the_users_own_password(string message, bool accepted)
    {
        var users = SaslUsers.Create(new Dictionary<string, string> { ["alice"] = "secret", ["bob"] = "other" }, static _ => new byte[16]);
        var step = SaslExchange.Start(SaslMechanisms.Plain, users).Evaluate(Encoding.UTF8.GetBytes(message));
        Assert.Equal(accepted, step.Succeeded);
        Assert.Equal(accepted, step.Failure is null);
    }

    [Fact]
    public void The_users_file_allows_colons_in_passwords_and_comments()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# users", "", "alice:pa:ss", "bob:x"]);
            Assert.True(SaslUsers.TryLoad(path, out var users, out var error), error);
            Assert.Equal(2, users!.Count);
            Assert.True(users.CheckPassword("alice", "pa:ss"));
            Assert.False(users.CheckPassword("alice", "pa"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("alice", "line 1: expected user:password")]
    [InlineData(":password", "line 1: expected user:password")]
    [InlineData("alice:\nalice:x", "line 1: expected user:password")]
    [InlineData("alice:x\nalice:y", "line 2: user 'alice' is given more than once")]
    [InlineData("# only a comment", "no user:password line")]
    public void A_bad_users_file_is_refused_with_the_line_at_fault(string content, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, content);
            Assert.False(SaslUsers.TryLoad(path, out _, out var error));
            Assert.Contains(expected, error, StringComparison.Ordinal);
            Assert.StartsWith("--sasl-users-file", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_users_file_is_refused()
    {
        Assert.False(SaslUsers.TryLoad(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), out _, out var error));
        Assert.Contains("cannot read it", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sasl_options_are_parsed_and_checked()
    {
        Assert.True(HostArguments.TryParse([], out var defaults, out _));
        Assert.Null(defaults!.SaslUsersFile);

        Assert.True(HostArguments.TryParse(["--sasl-users-file", "u", "--sasl-mechanisms", "plain, SCRAM-SHA-512"], out var parsed, out var error), error);
        Assert.Equal("u", parsed!.SaslUsersFile);
        Assert.Equal(["PLAIN", "SCRAM-SHA-512"], parsed.SaslMechanisms);

        Assert.True(HostArguments.TryParse(["--sasl-users-file", "u"], out var all, out _));
        Assert.Equal(SaslMechanisms.All, all!.SaslMechanisms);

        Assert.False(HostArguments.TryParse(["--sasl-mechanisms", "PLAIN"], out _, out error));
        Assert.Equal("--sasl-mechanisms needs --sasl-users-file.", error);
        Assert.False(HostArguments.TryParse(["--sasl-users-file", "u", "--sasl-mechanisms", "GSSAPI"], out _, out error));
        Assert.StartsWith("--sasl-mechanisms 'GSSAPI'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)1)]
    [InlineData((short)3)]
    public void ApiVersions_gets_the_sasl_requests_and_keeps_the_rest(short version)
    {
        var flexible = version >= 3;
        var response = ApiVersionsResponse(version, [(0, 0, 9), (SaslHandshakeOld, 0, 0), (18, 0, 3)], throttle: 42);

        var rewritten = ApiVersionsRewriter.AddSasl(response, version);

        var (correlationId, apis, rest) = ParseApiVersions(rewritten, flexible);
        Assert.Equal(7, correlationId);
        Assert.Equal([(0, 0, 9), (18, 0, 3), (17, 0, 1), (36, 0, 2)], apis);
        Assert.Equal(version >= 1 ? TrailingBytes(flexible, 42) : [], rest);
    }

    [Fact]
    public void An_ApiVersions_error_response_is_passed_on_unchanged()
    {
        var error = new KafkaWriter().WriteInt32(7).WriteInt16(35).WriteInt32(1).WriteInt16(18).WriteInt16(0).WriteInt16(3).ToContent();
        Assert.Equal(error, ApiVersionsRewriter.AddSasl(error, 4));
    }

    [Fact]
    public async Task The_rewrite_reads_the_mock_brokers_own_ApiVersions_responses()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var address = cluster.BootstrapServers.Split(':');
        using var client = new TcpClient();
        await client.ConnectAsync(address[0], int.Parse(address[1], System.Globalization.CultureInfo.InvariantCulture));
        var stream = client.GetStream();

        // v3 (flexible: request header v2, compact strings): the mock supports up to v2 and answers UNSUPPORTED_VERSION,
        // which clients read to retry lower; it must pass unchanged.
        var v3 = new KafkaWriter().WriteInt16(18).WriteInt16(3).WriteInt32(6).WriteNullableString("test", compact: false).WriteNoTaggedFields()
            .WriteNullableString("test", compact: true).WriteNullableString("1.0", compact: true).WriteNoTaggedFields().ToFrame();
        await stream.WriteAsync(v3);
        var refused = await KafkaFrames.ReadFrameAsync(stream, KafkaFrames.MaxBrokerFrame, CancellationToken.None);
        Assert.Equal(refused, ApiVersionsRewriter.AddSasl(refused, 3));

        var v2 = new KafkaWriter().WriteInt16(18).WriteInt16(2).WriteInt32(7).WriteNullableString("test", compact: false).ToFrame();
        await stream.WriteAsync(v2);
        var response = await KafkaFrames.ReadFrameAsync(stream, KafkaFrames.MaxBrokerFrame, CancellationToken.None);

        var (_, before, beforeTrailing) = ParseApiVersions(response!, flexible: false);
        var (correlationId, after, afterTrailing) = ParseApiVersions(ApiVersionsRewriter.AddSasl(response, 2), flexible: false);
        Assert.Equal(7, correlationId);
        Assert.Contains(before, a => a.Key == 0);
        Assert.DoesNotContain(before, a => a.Key is 17 or 36);
        Assert.Equal([.. before, (17, 0, 1), (36, 0, 2)], after);
        Assert.Equal(beforeTrailing, afterTrailing);
    }

    [Fact]
    public void SaslAuthenticate_responses_follow_each_version_layout()
    {
        var failure = SaslStep.Fail("no");
        var v0 = SaslGate.AuthenticateResponse(new RequestHeader(36, 0, 9, null), failure);
        Assert.Equal([0, 0, 0, 14, 0, 0, 0, 9, 0, 58, 0, 2, (byte)'n', (byte)'o', 0, 0, 0, 0], v0);

        var v2 = SaslGate.AuthenticateResponse(new RequestHeader(36, 2, 9, null), SaslStep.Success([1, 2]));
        Assert.Equal([0, 0, 0, 20, 0, 0, 0, 9, 0, 0, 0, 0, 3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], v2);
    }

    private const short SaslHandshakeOld = 17;

    private static ScramExchange Rfc7677Exchange(string password)
    {
        var users = SaslUsers.Create(new Dictionary<string, string> { ["user"] = password }, static _ => Convert.FromBase64String(Salt));
        return new ScramExchange(SaslMechanisms.ScramSha256, users, static () => ServerNonce);
    }

    /// <summary>A SCRAM-SHA-256 client's final message (RFC 5802 section 3), computed here independently of the server.</summary>
    private static string ClientFinalWithProof(string password, string clientFirstBare, string serverFirst, string withoutProof)
    {
        var salt = Convert.FromBase64String(serverFirst.Split(',').Single(a => a.StartsWith("s=", StringComparison.Ordinal))[2..]);
        var salted = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(password), salt, 4096, System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        var clientKey = System.Security.Cryptography.HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = System.Security.Cryptography.SHA256.HashData(clientKey);
        var signature = System.Security.Cryptography.HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}"));
        var proof = clientKey.Zip(signature, static (k, s) => (byte)(k ^ s)).ToArray();
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }

    private static byte[] ApiVersionsResponse(short version, (short Key, short Min, short Max)[] apis, int throttle)
    {
        var flexible = version >= 3;
        var writer = new KafkaWriter().WriteInt32(7).WriteInt16(0);
        if (flexible)
        {
            writer.WriteUnsignedVarint((uint)apis.Length + 1);
        }
        else
        {
            writer.WriteInt32(apis.Length);
        }

        foreach (var (key, min, max) in apis)
        {
            writer.WriteInt16(key).WriteInt16(min).WriteInt16(max);
            if (flexible)
            {
                // One tagged field on each entry, which the rewrite may drop but must step over.
                writer.WriteUnsignedVarint(1).WriteUnsignedVarint(5).WriteUnsignedVarint(2).WriteInt16(-1);
            }
        }

        return version >= 1 ? writer.WriteRaw(TrailingBytes(flexible, throttle)).ToContent() : writer.ToContent();
    }

    /// <summary>throttle_time_ms, and for flexible versions a tagged field (finalized features epoch, tag 1).</summary>
    private static byte[] TrailingBytes(bool flexible, int throttle)
    {
        var writer = new KafkaWriter().WriteInt32(throttle);
        return flexible ? writer.WriteUnsignedVarint(1).WriteUnsignedVarint(1).WriteUnsignedVarint(8).WriteInt64(5).ToContent() : writer.ToContent();
    }

    private static (int CorrelationId, List<(short Key, short Min, short Max)> Apis, byte[] Trailing) ParseApiVersions(byte[] content, bool flexible)
    {
        var reader = new KafkaReader(content);
        var correlationId = reader.ReadInt32();
        Assert.Equal(0, reader.ReadInt16());
        var count = flexible ? (int)reader.ReadUnsignedVarint() - 1 : reader.ReadInt32();
        var apis = new List<(short, short, short)>();
        for (var i = 0; i < count; i++)
        {
            apis.Add((reader.ReadInt16(), reader.ReadInt16(), reader.ReadInt16()));
            if (flexible)
            {
                reader.SkipTaggedFields();
            }
        }

        return (correlationId, apis, reader.Rest.ToArray());
    }
}
