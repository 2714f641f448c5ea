using System.Text.Json;
using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Client;

/// <summary>Reads and writes hot data. Thread-safe; register once with <c>AddHotDataClient</c>.</summary>
public interface IHotDataClient
{
    /// <summary>
    /// Reads a key's value as <typeparamref name="T"/>, or <see langword="null"/> when the key has no value. Served from
    /// this process's near-cache when the key is cached (see <see cref="HotDataNearCacheOptions"/>): never older than
    /// a version this client already read or wrote, and never older than <c>MaxStaleness</c>.
    /// </summary>
    /// <exception cref="InvalidKeyException">The key is malformed.</exception>
    Task<HotDataItem<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a key's value as <see cref="GetAsync{T}(string, CancellationToken)"/> does; with <paramref name="fresh"/>
    /// the key's grain is asked whatever the near-cache holds.
    /// </summary>
    /// <exception cref="InvalidKeyException">The key is malformed.</exception>
    Task<HotDataItem<T>?> GetAsync<T>(string key, bool fresh, CancellationToken cancellationToken = default);

    /// <summary>Reads many keys at once (cached ones from memory, the others fanned out in parallel); keys without a value are absent from the result.</summary>
    /// <exception cref="InvalidKeyException">A key is malformed.</exception>
    Task<IReadOnlyDictionary<string, HotDataItem<T>>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Reads many keys at once; with <paramref name="fresh"/> every key's grain is asked.</summary>
    /// <exception cref="InvalidKeyException">A key is malformed.</exception>
    Task<IReadOnlyDictionary<string, HotDataItem<T>>> GetManyAsync<T>(IEnumerable<string> keys, bool fresh, CancellationToken cancellationToken = default);

    /// <summary>What this client's near-cache has done: hits, misses, revalidations, invalidations, evictions, entries.</summary>
    HotDataNearCacheStatistics NearCacheStatistics { get; }

    /// <summary>Replaces a key's value with <paramref name="value"/> serialized as JSON.</summary>
    /// <returns>The value as stored, with its new version.</returns>
    /// <exception cref="VersionConflictException">The expected version did not match.</exception>
    /// <exception cref="ValueTooLargeException">The value is over the size limit.</exception>
    /// <exception cref="InvalidKeyException">The key is malformed.</exception>
    Task<HotDataItem<JsonElement>> SetAsync<T>(string key, T value, HotDataWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Applies <paramref name="mergePatch"/>, serialized as JSON, as a JSON Merge Patch (RFC 7396).</summary>
    /// <returns>The patched value with its new version.</returns>
    /// <exception cref="VersionConflictException">The expected version did not match.</exception>
    /// <exception cref="ValueTooLargeException">The result would be over the size limit.</exception>
    Task<HotDataItem<JsonElement>> PatchAsync<T>(string key, T mergePatch, HotDataWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Adds numeric deltas: <paramref name="deltas"/> serializes to a JSON object of field → number (nested objects for nested fields).</summary>
    /// <returns>The value after the increment, with its new version.</returns>
    /// <exception cref="InvalidChangeException">A target field is not a number, or a delta is not a number.</exception>
    /// <exception cref="VersionConflictException">The expected version did not match.</exception>
    Task<HotDataItem<JsonElement>> IncrementAsync<T>(string key, T deltas, HotDataWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a key's value.</summary>
    /// <returns><see langword="true"/> when a value was removed, <see langword="false"/> when the key had none.</returns>
    /// <exception cref="VersionConflictException">The expected version did not match.</exception>
    Task<bool> DeleteAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a key's changes, in version order, from any silo and any source, until
    /// <paramref name="cancellationToken"/> is cancelled. The first event is the current state when its version differs
    /// from <paramref name="fromVersion"/> (always, without one), so a watcher that resumes never misses the latest
    /// value. A watcher that reads too slowly skips intermediate changes and goes on from the newest; events carry the
    /// whole value, so it is never out of date for long, and the writers never wait for it.
    /// </summary>
    /// <param name="key">The key to watch.</param>
    /// <param name="fromVersion">The last version the caller has seen, to resume from.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <exception cref="InvalidKeyException">The key is malformed.</exception>
    IAsyncEnumerable<HotDataChangeEvent> WatchAsync(string key, long? fromVersion = null, CancellationToken cancellationToken = default);
}
