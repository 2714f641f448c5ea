namespace OrleansHotData.Tests.Faults;

/// <summary>
/// An API write the system refused (HTTP 400, 409, 500..., or the SDK's <c>HotDataException</c>): an answer that it
/// was not applied, unlike an <see cref="ApiWriteFailure"/> whose outcome is unknown.
/// </summary>
/// <param name="At">When it was sent, from the start of the workload.</param>
/// <param name="Key">The key written.</param>
/// <param name="Kind">What refused it: <c>HTTP 409</c>, or the exception's type.</param>
/// <param name="Error">The exception's message.</param>
public sealed record ApiWriteRefusal(TimeSpan At, string Key, string Kind, string Error);
