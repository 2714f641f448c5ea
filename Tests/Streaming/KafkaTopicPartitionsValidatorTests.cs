using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Streaming.Kafka.Providers;

namespace OrleansHotData.Tests.Streaming;

[Collection(KafkaStreamClusterDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Streaming)]
public sealed class KafkaTopicPartitionsValidatorTests(KafkaStreamClusterFixture fixture)
{
    private static KafkaStreamOptions Options(string bootstrapServers, string topic, int partitions) => new()
    {
        BootstrapServers = bootstrapServers,
        ConsumerGroupId = "unused",
        Topics = [new KafkaTopicOptions { Name = topic, StreamNamespace = "ns", Partitions = partitions }],
    };

    private static KafkaTopicPartitionsValidator Validator(KafkaStreamOptions options) => new(options, "kafka", NullLoggerFactory.Instance);

    [Fact]
    public void A_topic_with_the_configured_partition_count_passes()
    {
        var topic = fixture.Kafka.CreateTopic("parts-ok", 3);

        Validator(Options(fixture.Kafka.BootstrapServers, topic, 3)).ValidateConfiguration();
    }

    [Theory]
    [InlineData(2, "partition 2 would never be read")]
    [InlineData(1, "partitions 1 to 2 would never be read")]
    [InlineData(8, "receivers would wait for partitions 3 to 7")]
    public void A_topic_whose_partition_count_differs_refuses_start_naming_the_setting_and_both_counts(int configured, string consequence)
    {
        var topic = fixture.Kafka.CreateTopic("parts-bad", 3);

        var exception = Assert.Throws<OrleansConfigurationException>(() => Validator(Options(fixture.Kafka.BootstrapServers, topic, configured)).ValidateConfiguration());

        Assert.Contains($"Topics:0:Partitions is {configured}", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"topic '{topic}' has 3 partitions", exception.Message, StringComparison.Ordinal);
        Assert.Contains(consequence, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_missing_on_the_brokers_only_warns()
    {
        Validator(Options(fixture.Kafka.BootstrapServers, Kafka.EmbeddedKafkaFixture.UniqueTopicName("parts-missing"), 4)).ValidateConfiguration();
    }

    [Fact]
    public void Brokers_that_cannot_be_reached_only_warn()
    {
        Validator(Options($"127.0.0.1:{FreePort.Next()}", "anything", 4)).ValidateConfiguration();
    }
}
