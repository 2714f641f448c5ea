using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// A Kafka topic configured so that records would be left unread or unapplied stops the silo with exit code 2 and one
/// line naming the setting, checked against a real broker.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class KafkaTopicConfigurationErrorTests(EmbeddedKafkaFixture kafka) : IClassFixture<EmbeddedKafkaFixture>
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_topic_with_more_partitions_on_the_broker_than_configured_stops_the_silo()
    {
        var topic = kafka.CreateTopic("silo-parts", 3);

        var outcome = await RunSiloAsync(topic, ("Kafka__Topics__0__Partitions", "2"));

        var line = AssertRefused(outcome);
        Assert.Contains("Topics:0:Partitions is 2", line, StringComparison.Ordinal);
        Assert.Contains($"topic '{topic}' has 3 partitions", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_topic_on_a_stream_namespace_no_grain_consumes_stops_the_silo()
    {
        var topic = kafka.CreateTopic("silo-ns", 2);

        var outcome = await RunSiloAsync(topic, ("Kafka__Topics__0__Partitions", "2"), ("Kafka__Topics__0__StreamNamespace", "orders"));

        var line = AssertRefused(outcome);
        Assert.Contains("Kafka:Topics:0:StreamNamespace is 'orders'", line, StringComparison.Ordinal);
    }

    private async Task<SiloCommand.Outcome> RunSiloAsync(string topic, params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            // Nothing listens here: the silo must refuse its configuration before it needs Redis.
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{FreePort.Next()}",
            ["Security__RequireAuthentication"] = "false",
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__Topics__0__Name"] = topic,
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return await SiloCommand.RunToExitAsync(environment, ExitTimeout);
    }

    private static string AssertRefused(SiloCommand.Outcome outcome)
    {
        Assert.True(outcome.ExitCode == 2, $"exit code {outcome.ExitCode}; stderr: {outcome.Errors}");
        var lastLine = outcome.Errors.Trim().Split('\n')[^1];
        Assert.StartsWith("Configuration error: ", lastLine, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Errors, StringComparison.Ordinal);
        return lastLine;
    }
}
