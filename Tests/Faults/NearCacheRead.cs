namespace OrleansHotData.Tests.Faults;

/// <summary>
/// One read through a near-cache: the key's index, when the read started on the test's clock
/// (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) and the version it returned (0 for no value).
/// </summary>
public readonly record struct NearCacheRead(int Key, long StartedAt, long Version);
