using OrleansHotData.EmbeddedKafka;

namespace OrleansHotData.Tests.Kafka;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class HostArgumentsTests
{
    [Fact]
    public void Defaults_are_one_broker_no_topics_no_endpoints_file()
    {
        Assert.True(HostArguments.TryParse([], out var parsed, out _));
        Assert.Equal(1, parsed!.Brokers);
        Assert.Empty(parsed.Topics);
        Assert.Null(parsed.EndpointsFile);
    }

    [Fact]
    public void Topics_brokers_endpoints_and_dead_letter_topics_are_read()
    {
        Assert.True(HostArguments.TryParse(
            ["--topic", "orders:8", "--brokers", "3", "--topic", "users", "--with-dlq", "--endpoints-file", "e.json"],
            out var parsed,
            out _));
        Assert.Equal(3, parsed!.Brokers);
        Assert.Equal("e.json", parsed.EndpointsFile);
        Assert.Equal(
            [new TopicSpec("orders", 8), new TopicSpec("users", 1), new TopicSpec("orders.dlq", 8), new TopicSpec("users.dlq", 1)],
            parsed.Topics);
    }

    [Fact]
    public void The_bootstrap_port_and_address_are_read_and_default_to_none_on_loopback()
    {
        Assert.True(HostArguments.TryParse([], out var defaults, out _));
        Assert.Null(defaults!.BootstrapPort);
        Assert.Equal(System.Net.IPAddress.Loopback, defaults.BootstrapAddress);

        Assert.True(HostArguments.TryParse(["--bootstrap-port", "9092", "--bootstrap-address", "0.0.0.0"], out var parsed, out _));
        Assert.Equal(9092, parsed!.BootstrapPort);
        Assert.Equal(System.Net.IPAddress.Any, parsed.BootstrapAddress);
    }

    [Theory]
    [InlineData("1 to 65535", "--bootstrap-port", "0")]
    [InlineData("1 to 65535", "--bootstrap-port", "nine")]
    [InlineData("IP address", "--bootstrap-address", "kafka")]
    [InlineData("unknown argument", "--port", "9092")]
    [InlineData("needs a value", "--endpoints-file")]
    [InlineData("partition count", "--topic", "t:-1")]
    [InlineData("topic name", "--topic", ":3")]
    [InlineData("1 to 64", "--brokers", "0")]
    [InlineData("more than once", "--topic", "a", "--topic", "a:2")]
    [InlineData("more than once", "--topic", "a", "--topic", "a.dlq", "--with-dlq")]
    public void Bad_arguments_are_explained(string expected, params string[] arguments)
    {
        Assert.False(HostArguments.TryParse(arguments, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
