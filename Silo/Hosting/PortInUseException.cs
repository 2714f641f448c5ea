namespace OrleansHotData.Silo.Hosting;

/// <summary>A port the silo is configured to listen on is held by another process; the message names the port and its setting.</summary>
public sealed class PortInUseException(string message) : Exception(message);
