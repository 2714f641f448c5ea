namespace OrleansHotData.Tests.Containers;

/// <summary>A silo service of the compose cluster under test and the loopback ports it listens on.</summary>
/// <param name="Name">The compose service name, such as <c>silo1</c>.</param>
/// <param name="HttpPort">The HTTP API port.</param>
/// <param name="SiloPort">The silo-to-silo port.</param>
/// <param name="GatewayPort">The client gateway port.</param>
public sealed record ComposeService(string Name, int HttpPort, int SiloPort, int GatewayPort)
{
    /// <summary>The HTTP API's base address (HTTPS, as the compose file serves it).</summary>
    public Uri HttpUrl => new($"https://127.0.0.1:{HttpPort}");
}
