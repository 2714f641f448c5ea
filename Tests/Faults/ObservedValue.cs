namespace OrleansHotData.Tests.Faults;

/// <summary>A key's value as the cluster reports it: the version and the JSON document.</summary>
public sealed record ObservedValue(long Version, string Json);
