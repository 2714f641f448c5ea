using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansHotData.ChangeFeed;

namespace OrleansHotData.Client;

/// <summary>The SDK over an Orleans cluster client: validates locally, calls the key's grain, maps refusals to exceptions.</summary>
internal sealed class HotDataClient(IClusterClient cluster, HotDataChangeFeed changes, HotDataNearCache cache, TimeProvider time, IOptions<HotDataClientOptions> options) : IHotDataClient
{
    private readonly HotDataClientOptions _options = options.Value;

    public HotDataNearCacheStatistics NearCacheStatistics => cache.Statistics;

    public Task<HotDataItem<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default) => GetAsync<T>(key, fresh: false, cancellationToken);

    public Task<HotDataItem<T>?> GetAsync<T>(string key, bool fresh, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return !fresh && cache.TryGet(key, out var cached) ? Task.FromResult(ToItem<T>(cached)) : ReadAsync<T>(key, fresh, cancellationToken);
    }

    private async Task<HotDataItem<T>?> ReadAsync<T>(string key, bool fresh, CancellationToken cancellationToken) =>
        ToItem<T>(await cache.GetAsync(key, fresh, cancellationToken));

    public Task<IReadOnlyDictionary<string, HotDataItem<T>>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        GetManyAsync<T>(keys, fresh: false, cancellationToken);

    public async Task<IReadOnlyDictionary<string, HotDataItem<T>>> GetManyAsync<T>(IEnumerable<string> keys, bool fresh, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
        distinct.ForEach(ValidateKey);
        var result = new Dictionary<string, HotDataItem<T>>(distinct.Count, StringComparer.Ordinal);
        List<Task<HotDataCachedValue>>? reads = null;
        foreach (var key in distinct)
        {
            if (!fresh && cache.TryGet(key, out var cached))
            {
                Add(cached);
            }
            else
            {
                (reads ??= []).Add(cache.GetAsync(key, fresh, cancellationToken).AsTask());
            }
        }

        if (reads is not null)
        {
            foreach (var value in await Task.WhenAll(reads).WaitAsync(cancellationToken))
            {
                Add(value);
            }
        }

        return result;

        void Add(HotDataCachedValue value)
        {
            if (ToItem<T>(value) is { } item)
            {
                result[value.Key] = item;
            }
        }
    }

    public Task<HotDataItem<JsonElement>> SetAsync<T>(string key, T value, HotDataWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync(key, ChangeOperation.Set, Serialize(key, value), options, cancellationToken);

    public Task<HotDataItem<JsonElement>> PatchAsync<T>(string key, T mergePatch, HotDataWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync(key, ChangeOperation.Patch, Serialize(key, mergePatch), options, cancellationToken);

    public Task<HotDataItem<JsonElement>> IncrementAsync<T>(string key, T deltas, HotDataWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync(key, ChangeOperation.Increment, Serialize(key, deltas), options, cancellationToken);

    public async Task<bool> DeleteAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var result = await Grain(key).ApplyAsync(HotDataChange.Delete(expectedVersion)).WaitAsync(cancellationToken);
        if (result.Status == WriteStatus.Applied)
        {
            cache.OnWritten(key, result.Version, null);
        }

        if (result.Status == WriteStatus.NotFound && expectedVersion is null)
        {
            return false;
        }

        ThrowIfRefused(key, expectedVersion, result);
        return true;
    }

    public IAsyncEnumerable<HotDataChangeEvent> WatchAsync(string key, long? fromVersion = null, CancellationToken cancellationToken = default)
    {
        Grain(key);
        return Watch(key, fromVersion, cancellationToken);
    }

    private async IAsyncEnumerable<HotDataChangeEvent> Watch(string key, long? fromVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in changes.WatchAsync(key, fromVersion, _options.WatchBufferCapacity, cancellationToken))
        {
            yield return new HotDataChangeEvent(change.Key, change.Version, change.Source, change.IsDeleted, ParseValue(change.Json), change.UpdatedAt, change.ExpiresAt);
        }
    }

    private static JsonElement? ParseValue(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private async Task<HotDataItem<JsonElement>> WriteAsync(string key, ChangeOperation operation, string json, HotDataWriteOptions? options, CancellationToken cancellationToken)
    {
        var change = new HotDataChange(operation, json, options?.Ttl, options?.ExpectedVersion);
        var result = await Grain(key).ApplyAsync(change).WaitAsync(cancellationToken);
        ThrowIfRefused(key, options?.ExpectedVersion, result);
        cache.OnWritten(key, result.Version, result.Value);
        return ToItem<JsonElement>(result.Value ?? throw new HotDataException(key, "The cluster applied the change but returned no value."));
    }

    private IHotDataGrain Grain(string key)
    {
        ValidateKey(key);
        return cluster.GetGrain<IHotDataGrain>(key);
    }

    private void ValidateKey(string key)
    {
        if (HotDataKey.Validate(key, _options.MaxKeyBytes) is { } error)
        {
            throw new InvalidKeyException(key, error);
        }
    }

    private string Serialize<T>(string key, T value)
    {
        var json = JsonSerializer.Serialize(value, _options.SerializerOptions);
        // The size check here saves a round trip; the grain checks the resulting value again.
        if (json.Length > _options.MaxValueBytes / 3 && System.Text.Encoding.UTF8.GetByteCount(json) > _options.MaxValueBytes)
        {
            throw new ValueTooLargeException(key, $"The value is over the limit of {_options.MaxValueBytes} bytes.");
        }

        return json;
    }

    private HotDataItem<T> ToItem<T>(HotDataValue value) =>
        new(value.Key, JsonSerializer.Deserialize<T>(value.Json, _options.SerializerOptions)!, value.Version, value.UpdatedAt, value.ExpiresAt);

    // A cached version read as T: a JsonElement is the one parsed with the version (read-only, shared); any other type
    // is deserialized for each read, so callers never share an object they might change.
    private HotDataItem<T>? ToItem<T>(HotDataCachedValue value)
    {
        if (!value.HasValueAt(time.GetUtcNow()))
        {
            return null;
        }

        var read = typeof(T) == typeof(JsonElement)
            ? (T)(object)value.Element
            : JsonSerializer.Deserialize<T>(value.Json!, _options.SerializerOptions)!;
        return new HotDataItem<T>(value.Key, read, value.Version, value.UpdatedAt, value.ExpiresAt);
    }

    private static void ThrowIfRefused(string key, long? expectedVersion, WriteResult result)
    {
        var message = result.Error ?? result.Status.ToString();
        switch (result.Status)
        {
            case WriteStatus.Applied:
                return;
            case WriteStatus.VersionConflict:
                throw new VersionConflictException(key, expectedVersion ?? -1, result.Version, message);
            case WriteStatus.ValueTooLarge:
                throw new ValueTooLargeException(key, message);
            case WriteStatus.Invalid:
                throw new InvalidChangeException(key, message);
            default:
                throw new HotDataException(key, message);
        }
    }
}
