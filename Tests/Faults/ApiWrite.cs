namespace OrleansHotData.Tests.Faults;

/// <summary>An API write of the workload: send it through the SDK or the HTTP API.</summary>
/// <param name="Key">The entity key.</param>
/// <param name="Operation"><see cref="ChangeOperation.Set"/>, <see cref="ChangeOperation.Patch"/> or <see cref="ChangeOperation.Increment"/>.</param>
/// <param name="Json">The value, merge patch or deltas.</param>
public sealed record ApiWrite(string Key, ChangeOperation Operation, string Json);
