namespace OrleansHotData.Silo.Hosting;

/// <summary>A setting is missing or malformed; the message names it and says what is wrong.</summary>
public sealed class SiloConfigurationException(string message) : Exception(message);
