using System.Text.Json;

namespace OrleansHotData.Client;

/// <summary>A key's state after one change, as a watcher receives it.</summary>
/// <param name="Key">The entity key.</param>
/// <param name="Version">The key's version after the change.</param>
/// <param name="Source">Where the change came from: the API (HTTP or SDK) or Kafka.</param>
/// <param name="IsDeleted">Whether the key has no value after the change.</param>
/// <param name="Value">The new value; <see langword="null"/> when <paramref name="IsDeleted"/>.</param>
/// <param name="UpdatedAt">When the change was applied.</param>
/// <param name="ExpiresAt">When the value expires, if it has a time to live.</param>
public sealed record HotDataChangeEvent(
    string Key,
    long Version,
    HotDataChangeSource Source,
    bool IsDeleted,
    JsonElement? Value,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt);
