using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansHotData.EmbeddedKafka;
using OrleansHotData.EmbeddedKafka.Sasl;

namespace OrleansHotData.Tests.Kafka;

/// <summary>
/// The SASL gate byte by byte, in front of an in-process mock broker: paths librdkafka does not take (SaslHandshake
/// v0 with bare tokens, a refused mechanism) and the cut-off of a request sent before authentication.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class SaslGateTests : IDisposable
{
    private readonly EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.Start();
    private readonly BootstrapForwarder proxy;

    public SaslGateTests()
    {
        var users = SaslUsers.Create(new Dictionary<string, string> { ["alice"] = "secret" }, static _ => new byte[16]);
        var gate = new SaslGate(users, [SaslMechanisms.Plain, SaslMechanisms.ScramSha256], NullLogger.Instance);
        proxy = BootstrapForwarder.Start(IPAddress.Loopback, 0, cluster.BootstrapServers, NullLogger.Instance, gate.AuthenticateAsync);
    }

    [Fact]
    public async Task Handshake_v0_then_a_bare_plain_token_authenticates_and_the_connection_is_relayed()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();

        var handshake = await RequestAsync(stream, Request(17, 0, 1).WriteNullableString("PLAIN", compact: false));
        var reader = new KafkaReader(handshake);
        Assert.Equal(1, reader.ReadInt32());
        Assert.Equal(0, reader.ReadInt16());
        Assert.Equal(2, reader.ReadInt32());
        Assert.Equal("PLAIN", reader.ReadNullableString());
        Assert.Equal("SCRAM-SHA-256", reader.ReadNullableString());

        // After a v0 handshake the token travels bare, with only a size in front; the answer to PLAIN is empty.
        Assert.Empty(await RequestAsync(stream, new KafkaWriter().WriteRaw("\0alice\0secret"u8)));

        // Now the broker itself answers: Metadata v1 for all topics.
        var metadata = await RequestAsync(stream, Request(3, 1, 2).WriteInt32(-1));
        Assert.Equal(2, new KafkaReader(metadata).ReadInt32());
    }

    [Fact]
    public async Task A_mechanism_not_offered_gets_error_33_and_the_offered_list()
    {
        using var client = await ConnectAsync();
        var handshake = await RequestAsync(client.GetStream(), Request(17, 1, 5).WriteNullableString("SCRAM-SHA-512", compact: false));
        var reader = new KafkaReader(handshake);
        Assert.Equal(5, reader.ReadInt32());
        Assert.Equal(SaslGate.UnsupportedSaslMechanism, reader.ReadInt16());
        Assert.Equal(2, reader.ReadInt32());
    }

    [Fact]
    public async Task A_request_before_authentication_closes_the_connection_unanswered()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        await stream.WriteAsync(Request(3, 1, 9).WriteInt32(-1).ToFrame());
        Assert.Null(await KafkaFrames.ReadFrameAsync(stream, KafkaFrames.MaxBrokerFrame, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_wrong_password_in_SaslAuthenticate_gets_error_58_with_a_message_then_the_connection_closes()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        await RequestAsync(stream, Request(17, 1, 1).WriteNullableString("PLAIN", compact: false));

        var answer = await RequestAsync(stream, Request(36, 1, 2).WriteBytes("\0alice\0wrong"u8, compact: false));
        var reader = new KafkaReader(answer);
        Assert.Equal(2, reader.ReadInt32());
        Assert.Equal(SaslGate.SaslAuthenticationFailed, reader.ReadInt16());
        Assert.Contains("invalid credentials", reader.ReadNullableString(), StringComparison.Ordinal);
        Assert.Null(await KafkaFrames.ReadFrameAsync(stream, KafkaFrames.MaxBrokerFrame, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    public void Dispose()
    {
        proxy.Dispose();
        cluster.Dispose();
    }

    /// <summary>Request header v1: api key, version, correlation id, client id.</summary>
    private static KafkaWriter Request(short apiKey, short version, int correlationId) =>
        new KafkaWriter().WriteInt16(apiKey).WriteInt16(version).WriteInt32(correlationId).WriteNullableString("gate-test", compact: false);

    private static async Task<byte[]> RequestAsync(NetworkStream stream, KafkaWriter request)
    {
        await stream.WriteAsync(request.ToFrame());
        return await KafkaFrames.ReadFrameAsync(stream, KafkaFrames.MaxBrokerFrame, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))
            ?? throw new IOException("The proxy closed the connection.");
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port);
        return client;
    }
}
