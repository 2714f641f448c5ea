using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streaming.Kafka;
using Orleans.Streams;

namespace OrleansHotData.Tests.Streaming;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KafkaStreamConfigurationTests
{
    private static Dictionary<string, string?> JsonLikeSettings(string name) => new()
    {
        [$"Orleans:ClusterId"] = "config-test",
        [$"Orleans:ServiceId"] = "config-test",
        [$"Orleans:Streaming:{name}:ProviderType"] = "Kafka",
        [$"Orleans:Streaming:{name}:BootstrapServers"] = "127.0.0.1:1",
        [$"Orleans:Streaming:{name}:ConsumerGroupId"] = "from-config",
        [$"Orleans:Streaming:{name}:CommitInterval"] = "00:00:02",
        [$"Orleans:Streaming:{name}:AutoOffsetReset"] = "Latest",
        [$"Orleans:Streaming:{name}:Topics:0:Name"] = "orders",
        [$"Orleans:Streaming:{name}:Topics:0:StreamNamespace"] = "order-changes",
        [$"Orleans:Streaming:{name}:Topics:0:Partitions"] = "6",
        [$"Orleans:Streaming:{name}:ClientConfig:security.protocol"] = "SASL_SSL",
        [$"Orleans:Streaming:{name}:ClientConfig:sasl.username"] = "hotdata",
        [$"Orleans:Streaming:{name}:ClientConfig:sasl.password"] = "hunter2-secret",
    };

    private static IHost BuildSilo(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage("PubSubStore"));
        return builder.Build();
    }

    [Fact]
    public void Configuration_alone_with_provider_type_Kafka_sets_up_the_silo_provider()
    {
        using var host = BuildSilo(JsonLikeSettings("events"));

        var options = host.Services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get("events");
        Assert.Equal("127.0.0.1:1", options.BootstrapServers);
        Assert.Equal("from-config", options.ConsumerGroupId);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CommitInterval);
        Assert.Equal(Confluent.Kafka.AutoOffsetReset.Latest, options.AutoOffsetReset);
        var topic = Assert.Single(options.Topics);
        Assert.Equal(("orders", "order-changes", 6), (topic.Name, topic.StreamNamespace, topic.Partitions));
        Assert.Equal("SASL_SSL", options.ClientConfig["security.protocol"]);

        var factory = host.Services.GetRequiredKeyedService<IQueueAdapterFactory>("events");
        Assert.Equal(6, factory.GetStreamQueueMapper().GetAllQueues().Count());
        Assert.NotNull(host.Services.GetRequiredKeyedService<IKafkaDeadLetterPublisher>("events"));
        Assert.NotNull(host.Services.GetRequiredKeyedService<KafkaStreamDiagnostics>("events"));
        Assert.Single(host.Services.GetServices<IConfigurationValidator>().OfType<KafkaStreamOptionsValidator>()).ValidateConfiguration();
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("4096.5")]
    [InlineData("0")]
    public void A_malformed_cache_size_in_configuration_alone_stops_the_silo_naming_the_setting(string value)
    {
        var settings = JsonLikeSettings("events");
        settings["Orleans:Streaming:events:CacheSize"] = value;

        var exception = Record.Exception(() =>
        {
            using var host = BuildSilo(settings);
            _ = host.Services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get("events");
        });

        var configuration = Assert.IsType<OrleansConfigurationException>(exception);
        Assert.Equal($"Kafka stream provider 'events': Orleans:Streaming:events:CacheSize is '{value}'; it must be a whole number of records, at least 1.", configuration.Message);
    }

    [Fact]
    public void Configuration_alone_with_provider_type_Kafka_sets_up_the_client_provider()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(JsonLikeSettings("events"));
        builder.UseOrleansClient(client => client.UseLocalhostClustering());
        using var host = builder.Build();

        var factory = host.Services.GetRequiredKeyedService<IQueueAdapterFactory>("events");
        Assert.Equal(6, factory.GetStreamQueueMapper().GetAllQueues().Count());
        Assert.NotNull(host.Services.GetRequiredKeyedService<IKafkaDeadLetterPublisher>("events"));
    }

    [Fact]
    public void Startup_option_logging_redacts_client_secrets()
    {
        using var host = BuildSilo(JsonLikeSettings("events"));

        var formatter = Assert.Single(
            host.Services.GetServices<IOptionFormatter>(),
            f => f.Name.Contains(nameof(KafkaStreamOptions), StringComparison.Ordinal) && f.Name.Contains("events", StringComparison.Ordinal));
        var lines = formatter.Format().ToList();

        Assert.Contains(lines, line => line.Contains("sasl.username=hotdata", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("sasl.password=REDACTED", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_configuration_is_reported_by_the_validator()
    {
        var settings = JsonLikeSettings("events");
        settings["Orleans:Streaming:events:Topics:0:Partitions"] = "0";
        using var host = BuildSilo(settings);

        var validator = Assert.Single(host.Services.GetServices<IConfigurationValidator>().OfType<KafkaStreamOptionsValidator>());

        var exception = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);
        Assert.Contains("Partitions", exception.Message, StringComparison.Ordinal);
    }
}
