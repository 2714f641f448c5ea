namespace OrleansHotData.Client;

/// <summary>A key's value with its version.</summary>
/// <typeparam name="T">The type the JSON value was read as.</typeparam>
/// <param name="Key">The entity key.</param>
/// <param name="Value">The value.</param>
/// <param name="Version">The key's version; pass it as <see cref="HotDataWriteOptions.ExpectedVersion"/> for optimistic concurrency.</param>
/// <param name="UpdatedAt">When the value last changed.</param>
/// <param name="ExpiresAt">When the value expires, if it has a time to live.</param>
public sealed record HotDataItem<T>(string Key, T Value, long Version, DateTimeOffset UpdatedAt, DateTimeOffset? ExpiresAt);
