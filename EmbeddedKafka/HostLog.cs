using Microsoft.Extensions.Logging;

namespace OrleansHotData.EmbeddedKafka;

/// <summary>The broker process's log messages; they go to standard error so standard output carries only the bootstrap line.</summary>
internal static partial class HostLog
{
    [LoggerMessage(1, LogLevel.Information, "Embedded Kafka started with {BrokerCount} broker(s) at {BootstrapServers}")]
    internal static partial void Started(ILogger logger, int brokerCount, string bootstrapServers);

    [LoggerMessage(2, LogLevel.Information, "Created topic {Topic} with {Partitions} partition(s)")]
    internal static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(3, LogLevel.Information, "Wrote the endpoints to {Path}")]
    internal static partial void EndpointsWritten(ILogger logger, string path);

    [LoggerMessage(4, LogLevel.Information, "Received {Signal}; stopping")]
    internal static partial void Stopping(ILogger logger, string signal);

    [LoggerMessage(5, LogLevel.Warning, "Broker {BrokerId} set down (-1 = all)")]
    internal static partial void BrokerDown(ILogger logger, int brokerId);

    [LoggerMessage(6, LogLevel.Warning, "Broker {BrokerId} set up (-1 = all)")]
    internal static partial void BrokerUp(ILogger logger, int brokerId);

    [LoggerMessage(7, LogLevel.Warning, "Broker {BrokerId} round-trip time set to {Milliseconds} ms (-1 = all)")]
    internal static partial void RoundTripTimeSet(ILogger logger, int brokerId, int milliseconds);

    [LoggerMessage(8, LogLevel.Warning, "Ignored control command {Line}; {Help}")]
    internal static partial void UnknownCommand(ILogger logger, string line, string help);

    [LoggerMessage(9, LogLevel.Error, "Control command {Line} failed")]
    internal static partial void CommandFailed(ILogger logger, Exception exception, string line);

    [LoggerMessage(10, LogLevel.Information, "{Help}")]
    internal static partial void CommandHelp(ILogger logger, string help);

    [LoggerMessage(11, LogLevel.Information, "Standard input is a terminal of a background job; control commands are off")]
    internal static partial void ControlInputOff(ILogger logger);

    [LoggerMessage(12, LogLevel.Information, "Clients can bootstrap from {Address} (relayed to broker {Broker})")]
    internal static partial void BootstrapForwarding(ILogger logger, string address, string broker);

    [LoggerMessage(13, LogLevel.Debug, "A relayed bootstrap connection ended: {Reason}")]
    internal static partial void RelayEnded(ILogger logger, string reason);

    [LoggerMessage(14, LogLevel.Information, "SASL: {Peer} authenticated as {User} with {Mechanism}")]
    internal static partial void SaslSucceeded(ILogger logger, string user, string mechanism, string peer);

    [LoggerMessage(15, LogLevel.Warning, "SASL: {Peer} failed to authenticate as {User} with {Mechanism}: {Reason}")]
    internal static partial void SaslFailed(ILogger logger, string user, string mechanism, string peer, string reason);

    [LoggerMessage(16, LogLevel.Warning, "SASL: {Peer} asked for mechanism {Mechanism}, which is not enabled (enabled: {Enabled})")]
    internal static partial void SaslMechanismRefused(ILogger logger, string mechanism, string peer, string enabled);

    [LoggerMessage(17, LogLevel.Warning, "SASL: closed the connection of {Peer}: request {ApiKey} v{ApiVersion} before authentication")]
    internal static partial void SaslRequestRefused(ILogger logger, short apiKey, short apiVersion, string peer);

    [LoggerMessage(18, LogLevel.Information, "SASL required ({Mechanisms}, {UserCount} user(s)); clients connect through {ProxyAddresses}")]
    internal static partial void SaslEnabled(ILogger logger, string mechanisms, int userCount, string proxyAddresses);

    [LoggerMessage(19, LogLevel.Warning, "SASL: closed the connection of {Peer}: {Reason}")]
    internal static partial void SaslProtocolError(ILogger logger, string peer, string reason);
}
