using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace OrleansHotData.Tests.Kafka;

/// <summary>
/// The broker process started with <c>--sasl-users-file</c> (two brokers and a fixed bootstrap port), used by real
/// Confluent.Kafka clients. One process serves the class; each test has topics of its own, created at start.
/// </summary>
public sealed class SaslBrokerFixture : IAsyncLifetime
{
    public const string User = "alice";
    public const string Password = "s3cret:with-colon";

    /// <summary>The topics the tests use, two partitions each (their leaders on different brokers).</summary>
    public static readonly string[] Topics =
    [
        "ok-PLAIN", "ok-SCRAM-SHA-256", "ok-SCRAM-SHA-512", "bad-PLAIN", "bad-SCRAM-SHA-256", "bad-SCRAM-SHA-512",
        "plaintext", "fixed-port",
    ];

    private readonly string directory = Directory.CreateTempSubdirectory("embedded-kafka-sasl-").FullName;

    public EmbeddedKafkaProcess Broker { get; private set; } = null!;

    /// <summary>The fixed bootstrap port, relayed to the first broker's proxy.</summary>
    public int BootstrapPort { get; private set; }

    public async Task InitializeAsync()
    {
        var usersFile = Path.Combine(directory, "users");
        await File.WriteAllLinesAsync(usersFile, ["# test users", $"{User}:{Password}", "bob:other"]);
        BootstrapPort = FreePort.Next();
        var arguments = new List<string>
        {
            "--brokers", "2", "--sasl-users-file", usersFile,
            "--bootstrap-port", BootstrapPort.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var topic in Topics)
        {
            arguments.AddRange(["--topic", topic + ":2"]);
        }

        Broker = await EmbeddedKafkaProcess.StartAsync(arguments, TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        Broker.Dispose();
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Sets SASL on <paramref name="config"/>; a null mechanism leaves the client on PLAINTEXT.</summary>
    public static T WithSasl<T>(T config, string? mechanism, string password = Password)
        where T : ClientConfig
    {
        if (mechanism is not null)
        {
            config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
            config.SaslMechanism = mechanism switch
            {
                "PLAIN" => SaslMechanism.Plain,
                "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
                _ => SaslMechanism.ScramSha512,
            };
            config.SaslUsername = User;
            config.SaslPassword = password;
        }

        return config;
    }
}

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class EmbeddedKafkaSaslTests(SaslBrokerFixture fixture) : IClassFixture<SaslBrokerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Mechanisms => new() { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" };

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task The_right_password_produces_and_consumes_on_every_broker(string mechanism)
    {
        var topic = "ok-" + mechanism;
        await ProduceToBothPartitionsAsync(fixture.Broker.BootstrapServers, topic, mechanism);

        var records = ReadAll(topic, expected: 2);
        Assert.Equal(["0:" + mechanism, "1:" + mechanism], records.Select(r => $"{r.Partition.Value}:{r.Message.Value}").Order());
        Assert.Contains($"authenticated as {SaslBrokerFixture.User} with {mechanism}", fixture.Broker.ErrorOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(SaslBrokerFixture.Password, fixture.Broker.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_sends_clients_to_the_authenticating_proxies_and_the_printed_bootstrap_lists_them()
    {
        using var admin = new AdminClientBuilder(SaslBrokerFixture.WithSasl(
            new AdminClientConfig { BootstrapServers = fixture.Broker.BootstrapServers }, "SCRAM-SHA-256")).Build();
        var brokers = admin.GetMetadata(Patience).Brokers.OrderBy(b => b.BrokerId).Select(b => $"{b.Host}:{b.Port}");

        // The brokers' own addresses appear only in the log's start line; what clients learn is the proxies.
        Assert.Equal(fixture.Broker.BootstrapServers.Split(','), brokers);
        var started = fixture.Broker.ErrorOutput.Split('\n').Single(l => l.Contains("Embedded Kafka started", StringComparison.Ordinal));
        Assert.All(fixture.Broker.BootstrapServers.Split(','), proxy => Assert.DoesNotContain(proxy, started, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task A_wrong_password_gets_an_authentication_error_and_produces_nothing(string mechanism)
    {
        var topic = "bad-" + mechanism;
        var errors = new ConcurrentQueue<Error>();
        var config = SaslBrokerFixture.WithSasl(new ProducerConfig { BootstrapServers = fixture.Broker.BootstrapServers, MessageTimeoutMs = 4000 }, mechanism, "wrong-password");
        using (var producer = new ProducerBuilder<Null, string>(config).SetErrorHandler((_, e) => errors.Enqueue(e)).Build())
        {
            await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(topic, new Message<Null, string> { Value = "never" }));
        }

        Assert.Contains(errors, e => e.Code == ErrorCode.Local_Authentication && e.Reason.Contains("invalid credentials", StringComparison.Ordinal));
        AssertEmpty(topic);
        Assert.Contains($"failed to authenticate as {SaslBrokerFixture.User} with {mechanism}", fixture.Broker.ErrorOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", fixture.Broker.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_client_is_cut_off_at_the_brokers_and_at_the_fixed_port()
    {
        foreach (var bootstrap in new[] { fixture.Broker.BootstrapServers, $"127.0.0.1:{fixture.BootstrapPort}" })
        {
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, MessageTimeoutMs = 3000 })
                .SetErrorHandler((_, _) => { })
                .Build();
            var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
                () => producer.ProduceAsync("plaintext", new Message<Null, string> { Value = "never" }));
            Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);
        }

        AssertEmpty("plaintext");
        Assert.Contains("before authentication", fixture.Broker.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_configured_with_the_fixed_port_authenticate_there_and_at_each_broker()
    {
        await ProduceToBothPartitionsAsync($"127.0.0.1:{fixture.BootstrapPort}", "fixed-port", "SCRAM-SHA-512");
        Assert.Equal(2, ReadAll("fixed-port", expected: 2).Count);
    }

    [Fact]
    public async Task A_mechanism_left_out_of_sasl_mechanisms_is_refused()
    {
        var directory = Directory.CreateTempSubdirectory("embedded-kafka-sasl-").FullName;
        try
        {
            var usersFile = Path.Combine(directory, "users");
            await File.WriteAllTextAsync(usersFile, $"{SaslBrokerFixture.User}:{SaslBrokerFixture.Password}\n");
            using var broker = await EmbeddedKafkaProcess.StartAsync(
                ["--topic", "only-scram:1", "--sasl-users-file", usersFile, "--sasl-mechanisms", "scram-sha-512"], Patience);

            var errors = new ConcurrentQueue<Error>();
            var config = SaslBrokerFixture.WithSasl(new ProducerConfig { BootstrapServers = broker.BootstrapServers, MessageTimeoutMs = 3000 }, "PLAIN");
            using (var producer = new ProducerBuilder<Null, string>(config).SetErrorHandler((_, e) => errors.Enqueue(e)).Build())
            {
                await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync("only-scram", new Message<Null, string> { Value = "never" }));
            }

            Assert.Contains(errors, e => e.Code == ErrorCode.Local_Authentication && e.Reason.Contains("SCRAM-SHA-512", StringComparison.Ordinal));
            Assert.Contains("asked for mechanism PLAIN, which is not enabled", broker.ErrorOutput, StringComparison.Ordinal);

            config = SaslBrokerFixture.WithSasl(new ProducerConfig { BootstrapServers = broker.BootstrapServers }, "SCRAM-SHA-512");
            using (var producer = new ProducerBuilder<Null, string>(config).Build())
            {
                var delivery = await producer.ProduceAsync("only-scram", new Message<Null, string> { Value = "yes" }).WaitAsync(Patience);
                Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task ProduceToBothPartitionsAsync(string bootstrap, string topic, string mechanism)
    {
        var config = SaslBrokerFixture.WithSasl(EmbeddedKafkaFixture.ForCluster(bootstrap).Producer(), mechanism);
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        foreach (var partition in new[] { 0, 1 })
        {
            var delivery = await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<Null, string> { Value = mechanism }).WaitAsync(Patience);
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        }
    }

    private List<ConsumeResult<Null, string>> ReadAll(string topic, int expected)
    {
        var config = SaslBrokerFixture.WithSasl(EmbeddedKafkaFixture.ForCluster(fixture.Broker.BootstrapServers).Consumer("sasl-" + topic), "SCRAM-SHA-256");
        using var consumer = new ConsumerBuilder<Null, string>(config).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning), new TopicPartitionOffset(topic, 1, Offset.Beginning)]);
        return consumer.ConsumeExactly(expected, Patience);
    }

    /// <summary>Reads the high watermarks as an authenticated client: zero means nothing was ever stored.</summary>
    private void AssertEmpty(string topic)
    {
        var config = SaslBrokerFixture.WithSasl(EmbeddedKafkaFixture.ForCluster(fixture.Broker.BootstrapServers).Consumer("sasl-check-" + topic), "PLAIN");
        using var consumer = new ConsumerBuilder<Null, string>(config).Build();
        foreach (var partition in new[] { 0, 1 })
        {
            Assert.Equal(0, consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), Patience).High.Value);
        }
    }
}
