using Orleans.Configuration;

namespace OrleansHotData.Tests.Streaming;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaStreamOptionsValidatorTests
{
    private static KafkaStreamOptions ValidOptions() => new()
    {
        BootstrapServers = "127.0.0.1:9092",
        ConsumerGroupId = "silos",
        Topics =
        [
            new KafkaTopicOptions { Name = "orders", StreamNamespace = "orders", Partitions = 4 },
            new KafkaTopicOptions { Name = "customers", StreamNamespace = "customers", Partitions = 2 },
        ],
    };

    [Fact]
    public void Valid_options_pass()
    {
        new KafkaStreamOptionsValidator(ValidOptions(), "kafka").ValidateConfiguration();
    }

    [Fact]
    public void Defaults_read_from_the_oldest_record_and_dead_letter_to_dlq()
    {
        var options = new KafkaStreamOptions();

        Assert.Equal(Confluent.Kafka.AutoOffsetReset.Earliest, options.AutoOffsetReset);
        Assert.Equal(".dlq", options.DeadLetterTopicSuffix);
        Assert.Equal("orders.dlq", options.GetDeadLetterTopic("orders"));
        Assert.Equal(KafkaStreamOptions.DefaultCommitInterval, options.CommitInterval);
        Assert.Equal(KafkaStreamOptions.DefaultMaxBatchSize, options.MaxBatchSize);
        Assert.Equal(4096, options.CacheSize);
        Assert.Equal(32L * 1024 * 1024, options.CacheMaxBytes);
    }

    public static TheoryData<string, Action<KafkaStreamOptions>, string> InvalidCases() => new()
    {
        { "missing bootstrap servers", o => o.BootstrapServers = " ", "BootstrapServers" },
        { "empty group id", o => o.ConsumerGroupId = "", "ConsumerGroupId" },
        { "no topics", o => o.Topics.Clear(), "Topics" },
        { "empty topic name", o => o.Topics[0].Name = "", "Topics[0].Name" },
        { "illegal topic name", o => o.Topics[1].Name = "orders/eu", "Topics[1].Name" },
        { "empty namespace", o => o.Topics[1].StreamNamespace = "", "Topics[1].StreamNamespace" },
        { "zero partitions", o => o.Topics[0].Partitions = 0, "Topics[0].Partitions" },
        { "duplicate topic", o => o.Topics[1].Name = "orders", "Topics[1].Name 'orders'" },
        { "duplicate namespace", o => o.Topics[1].StreamNamespace = "orders", "Topics[1].StreamNamespace 'orders'" },
        { "empty dead-letter suffix", o => o.DeadLetterTopicSuffix = "", "DeadLetterTopicSuffix" },
        { "dead-letter topic is a source topic", o => o.Topics[1].Name = "orders.dlq", "DeadLetterTopicSuffix" },
        { "negative commit interval", o => o.CommitInterval = TimeSpan.FromSeconds(-1), "CommitInterval" },
        { "zero batch size", o => o.MaxBatchSize = 0, "MaxBatchSize" },
        { "zero cache size", o => o.CacheSize = 0, "CacheSize is 0" },
        { "zero cache bytes", o => o.CacheMaxBytes = 0, "CacheMaxBytes is 0" },
        { "undefined offset reset", o => o.AutoOffsetReset = (Confluent.Kafka.AutoOffsetReset)42, "AutoOffsetReset" },
        { "client config sets the group", o => o.ClientConfig["group.id"] = "other", "'group.id'" },
        { "client config turns on auto commit", o => o.ClientConfig["enable.auto.commit"] = "true", "'enable.auto.commit'" },
        { "zero stall timeout", o => o.StallTimeout = TimeSpan.Zero, "StallTimeout" },
        { "zero max record size", o => o.MaxRecordBytes = 0, "MaxRecordBytes" },
        { "max record size beyond librdkafka", o => o.MaxRecordBytes = 1_000_000_000, "MaxRecordBytes" },
        { "client config lowers message.max.bytes to librdkafka's default", o => o.ClientConfig["message.max.bytes"] = "1000000", "ClientConfig:message.max.bytes is '1000000'" },
        { "client config message.max.bytes is not a number", o => o.ClientConfig["message.max.bytes"] = "lots", "ClientConfig:message.max.bytes" },
    };

    [Fact]
    public void Client_config_may_raise_message_max_bytes_above_what_dead_letters_need()
    {
        var options = ValidOptions();
        options.ClientConfig["message.max.bytes"] = (options.GetRequiredProducerMessageMaxBytes() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        new KafkaStreamOptionsValidator(options, "kafka").ValidateConfiguration();
    }

    [Fact]
    public void The_producer_fits_a_dead_letter_of_the_largest_record_by_default()
    {
        var options = ValidOptions();

        var producer = Orleans.Streaming.Kafka.Providers.KafkaClientConfigs.CreateProducerConfig(options, "test");

        Assert.Equal(KafkaStreamOptions.DefaultStallTimeout, options.StallTimeout);
        Assert.True(options.MaxRecordBytes > 1024 * 1024, $"{options.MaxRecordBytes} does not hold a 1 MiB value");
        Assert.Equal(options.MaxRecordBytes + KafkaStreamOptions.DeadLetterOverheadBytes, producer.MessageMaxBytes);
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_options_fail_with_one_sentence_naming_the_setting(string problem, Action<KafkaStreamOptions> breakIt, string setting)
    {
        var options = ValidOptions();
        breakIt(options);

        var exception = Assert.Throws<OrleansConfigurationException>(() => new KafkaStreamOptionsValidator(options, "kafka").ValidateConfiguration());

        Assert.Contains(setting, exception.Message, StringComparison.Ordinal);
        Assert.Contains("'kafka'", exception.Message, StringComparison.Ordinal);
        Assert.EndsWith(".", exception.Message, StringComparison.Ordinal);
        Assert.False(exception.Message.TrimEnd('.').Contains(". ", StringComparison.Ordinal), $"{problem}: more than one sentence: {exception.Message}");
    }
}
