using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;

namespace OrleansHotData.Tests.Kafka;

/// <summary>The broker as a process of its own: the way multi-process tests and development scripts run it.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class EmbeddedKafkaProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string directory = Directory.CreateTempSubdirectory("embedded-kafka-test-").FullName;

    [Fact]
    public async Task The_process_prints_its_bootstrap_serves_clients_and_stops_on_sigterm()
    {
        var endpointsFile = Path.Combine(directory, "endpoints.json");
        using var broker = await EmbeddedKafkaProcess.StartAsync(["--topic", "t:2", "--with-dlq", "--endpoints-file", endpointsFile], Patience);

        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(endpointsFile)))
        {
            Assert.Equal(broker.BootstrapServers, json.RootElement.GetProperty("bootstrapServers").GetString());
        }

        var configs = EmbeddedKafkaFixture.ForCluster(broker.BootstrapServers);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            var topics = admin.GetMetadata(Patience).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
            Assert.Equal(2, topics["t"]);
            Assert.Equal(2, topics["t.dlq"]);
        }

        using (var producer = new ProducerBuilder<string, string>(configs.Producer()).Build())
        {
            var delivery = await producer.ProduceAsync("t", new Message<string, string> { Key = "key", Value = "across processes" }).WaitAsync(Patience);
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        }

        using (var consumer = new ConsumerBuilder<string, string>(configs.Consumer("process-group")).Build())
        {
            consumer.Assign([new TopicPartitionOffset("t", 0, Offset.Beginning), new TopicPartitionOffset("t", 1, Offset.Beginning)]);
            var record = Assert.Single(consumer.ConsumeExactly(1, Patience));
            Assert.Equal(("key", "across processes"), (record.Message.Key, record.Message.Value));
        }

        Assert.Equal(0, await broker.TerminateAsync(Patience));
    }

    [Fact]
    public async Task Clients_configured_with_the_fixed_bootstrap_port_produce_and_consume()
    {
        var port = FreePort.Next();
        using var broker = await EmbeddedKafkaProcess.StartAsync(["--topic", "fixed:2", "--bootstrap-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], Patience);
        Assert.DoesNotContain($":{port}", broker.BootstrapServers, StringComparison.Ordinal);

        // Known before the broker started: the address a compose file or a manifest gives its clients.
        var configs = EmbeddedKafkaFixture.ForCluster($"127.0.0.1:{port}");
        using (var producer = new ProducerBuilder<string, string>(configs.Producer()).Build())
        {
            var delivery = await producer.ProduceAsync("fixed", new Message<string, string> { Key = "key", Value = "through the fixed port" }).WaitAsync(Patience);
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        }

        using (var consumer = new ConsumerBuilder<string, string>(configs.Consumer("fixed-port-group")).Build())
        {
            consumer.Assign([new TopicPartitionOffset("fixed", 0, Offset.Beginning), new TopicPartitionOffset("fixed", 1, Offset.Beginning)]);
            var record = Assert.Single(consumer.ConsumeExactly(1, Patience));
            Assert.Equal("through the fixed port", record.Message.Value);
        }

        Assert.Equal(0, await broker.TerminateAsync(Patience));
    }

    [Fact]
    public async Task Control_commands_on_stdin_work_and_closing_stdin_does_not_stop_the_broker()
    {
        using var broker = await EmbeddedKafkaProcess.StartAsync([], Patience);

        await broker.Input.WriteLineAsync("topic added:3");
        await broker.Input.FlushAsync();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await WaitUntilAsync(() => admin.GetMetadata(Patience).Topics.Any(t => t.Topic == "added" && t.Partitions.Count == 3), Patience);

        await broker.Input.WriteLineAsync("down");
        await broker.Input.WriteLineAsync("up 1");
        await broker.Input.WriteLineAsync("rtt 1 0");
        await broker.Input.WriteLineAsync("no such command");
        broker.Input.Close();

        await WaitUntilAsync(() => broker.ErrorOutput.Contains("Ignored control command", StringComparison.Ordinal), Patience);
        Assert.Contains("Broker -1 set down", broker.ErrorOutput, StringComparison.Ordinal);
        Assert.Contains("Broker 1 set up", broker.ErrorOutput, StringComparison.Ordinal);
        Assert.True(broker.IsRunning);

        // Still serving after the end of its input.
        Assert.Contains(admin.GetMetadata(Patience).Topics, t => t.Topic == "added");
        Assert.Equal(0, await broker.TerminateAsync(Patience));
    }

    [Theory]
    [InlineData("--topic")]
    [InlineData("--topic", "bad name:1")]
    [InlineData("--topic", "t:0")]
    [InlineData("--brokers", "zero")]
    [InlineData("--unknown")]
    public async Task Bad_arguments_give_one_error_line_and_exit_code_2(params string[] arguments)
    {
        using var process = Process.Start(EmbeddedKafkaProcess.StartInfo(arguments))!;
        process.StandardInput.Close();
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Patience);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal(string.Empty, await standardOutput);
        var line = Assert.Single((await standardError).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout}.");
            }

            await Task.Delay(50);
        }
    }
}
