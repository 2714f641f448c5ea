namespace OrleansHotData.Tests.Faults;

/// <summary>An API write whose outcome is unknown: it threw, or it did not answer within the write timeout.</summary>
/// <param name="At">When it was sent, from the start of the workload.</param>
/// <param name="Latency">How long until it failed (the timeout when it did not answer).</param>
/// <param name="Key">The key written.</param>
/// <param name="Error">The exception's type and message, or a note that it did not answer.</param>
/// <param name="TimedOut">Whether it never answered within <see cref="MixedWorkloadOptions.ApiWriteTimeout"/>.</param>
public sealed record ApiWriteFailure(TimeSpan At, TimeSpan Latency, string Key, string Error, bool TimedOut);
