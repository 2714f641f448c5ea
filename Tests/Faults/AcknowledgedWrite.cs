namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A write whose writer got its answer: the key's index, when the answer arrived on the test's clock
/// (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) and the version the write created.
/// </summary>
public readonly record struct AcknowledgedWrite(int Key, long AcknowledgedAt, long Version);
