using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using StackExchange.Redis;

namespace OrleansHotData.Grains.Storage;

/// <summary>
/// Grain storage for <see cref="HotDataState"/> on StackExchange.Redis: each state is one Redis string in
/// <see cref="HotDataStateFormat"/>; a read is one <c>GET</c>, a write or clear one call of a server-side script that
/// replaces the value only while it still holds the ETag the activation last saw.
/// </summary>
/// <remarks>
/// The ETag is a write counter kept in the record's header. A stale activation's write finds a newer counter and
/// fails with <see cref="InconsistentStateException"/>; a clear leaves a record with the next counter instead of
/// deleting the key, so a counter, and so an ETag, is never used twice for a key.
/// States written by Orleans' Redis grain storage (a hash of <c>etag</c> and <c>data</c> under the same key) are read
/// with the Orleans serializer and replaced by the new format on the activation's next write.
/// Concurrent writes of many grains share one connection, which pipelines them: they go to Redis together without
/// an explicit batch, each confirmed on its own.
/// </remarks>
public sealed partial class HotDataGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    // KEYS[1]: the state. KEYS[2]: the set of keys whose state holds a changelog outbox (see KeysWithOutboxAsync).
    // ARGV[1]: the record header (format and write counter) the caller last saw, a legacy hash's etag, or '' for none.
    // ARGV[2]: the new record. ARGV[3]: '1' when the new state holds an outbox, '0' when not. ARGV[4]: the grain key.
    // Returns 1 when written, 0 when the key holds something else (a conflict).
    private const string WriteScript =
        """
        local kind = redis.call('TYPE', KEYS[1])['ok']
        local current = ''
        if kind == 'string' then
          current = redis.call('GETRANGE', KEYS[1], 0, 8)
        elseif kind == 'hash' then
          current = redis.call('HGET', KEYS[1], 'etag') or ''
        elseif kind ~= 'none' then
          return redis.error_reply('the hot-data state key holds a ' .. kind)
        end
        if current ~= ARGV[1] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2])
        if ARGV[3] == '1' then
          redis.call('SADD', KEYS[2], ARGV[4])
        else
          redis.call('SREM', KEYS[2], ARGV[4])
        end
        return 1
        """;

#pragma warning disable CA5350 // Redis names a loaded script by its SHA-1 (EVALSHA); nothing here depends on the hash being strong.
    private static readonly byte[] WriteScriptHash = SHA1.HashData(Encoding.UTF8.GetBytes(WriteScript));
#pragma warning restore CA5350

    private static readonly RedisValue One = "1";
    private static readonly RedisValue Zero = "0";

    private readonly string _name;
    private readonly HotDataStorageOptions _options;
    private readonly IGrainStorageSerializer _legacySerializer;
    private readonly ILogger<HotDataGrainStorage> _logger;
    private readonly byte[] _keyPrefix;
    private readonly RedisKey _outboxSetKey;
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;

    public HotDataGrainStorage(
        string name,
        HotDataStorageOptions options,
        IGrainStorageSerializer legacySerializer,
        IOptions<ClusterOptions> clusterOptions,
        ILogger<HotDataGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        _name = name;
        _options = options;
        _legacySerializer = legacySerializer;
        _logger = logger;
        var keyPrefix = KeyPrefix(options, clusterOptions.Value.ServiceId);
        _keyPrefix = Encoding.UTF8.GetBytes(keyPrefix);
        _outboxSetKey = OutboxSetKey(keyPrefix);
    }

    /// <summary>Creates the storage named <paramref name="name"/> from its named options.</summary>
    public static HotDataGrainStorage Create(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new HotDataGrainStorage(
            name,
            services.GetRequiredService<IOptionsMonitor<HotDataStorageOptions>>().Get(name),
            new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>()),
            services.GetRequiredService<IOptions<ClusterOptions>>(),
            services.GetRequiredService<ILogger<HotDataGrainStorage>>());
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(HotDataGrainStorage)}-{_name}", ServiceLifecycleStage.ApplicationServices, ConnectAsync);
    }

    /// <summary>Connects to Redis. Called by the silo lifecycle; tests that use the storage alone call it themselves.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var configuration = _options.ConfigurationOptions
            ?? throw new OptionsValidationException(_name, typeof(HotDataStorageOptions), [$"The Redis connection of hot-data storage '{_name}' is not set."]);
        try
        {
            _connection = await ConnectionMultiplexer.ConnectAsync(configuration.Clone());
            _database = _connection.GetDatabase(_options.Database);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            throw new RedisStorageException($"Hot-data storage '{_name}' cannot connect to Redis at {configuration}: {ex.Message}", ex);
        }
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var typed = Typed(grainState);
        var key = Key(stateName, grainId);
        RedisValue stored;
        try
        {
            stored = await Database.StringGetAsync(key);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            await ReadLegacyStateAsync(key, grainId, typed);
            return;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            LogReadFailed(ex, grainId, key);
            throw StorageFailure($"Reading the state of {grainId} from Redis key {key} failed", ex);
        }

        if (stored.IsNull)
        {
            Set(typed, etag: null, state: null);
            return;
        }

        StoredHotDataState record;
        try
        {
            record = HotDataStateFormat.Decode(((ReadOnlyMemory<byte>)stored).Span);
        }
        catch (HotDataStateFormatException ex)
        {
            throw new HotDataStateFormatException($"Redis key {key} (the state of {grainId}) cannot be read: {ex.Message}", ex);
        }

        Set(typed, record.WriteCounter.ToString(CultureInfo.InvariantCulture), record.State);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var typed = Typed(grainState);
        return ReplaceAsync(stateName, grainId, typed, typed.State ?? new HotDataState(), nameof(WriteStateAsync));
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReplaceAsync(stateName, grainId, Typed(grainState), null, nameof(ClearStateAsync));

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            _database = null;
            await connection.DisposeAsync();
        }
    }

    private IDatabase Database => _database
        ?? throw new InvalidOperationException($"Hot-data storage '{_name}' is not connected: the silo has not started it.");

    private static IGrainState<HotDataState> Typed<T>(IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        return grainState as IGrainState<HotDataState>
            ?? throw new NotSupportedException($"Hot-data storage keeps {nameof(HotDataState)} only, not {typeof(T)}.");
    }

    // What a Redis call throws when the server or the connection fails. Besides StackExchange.Redis' own exceptions and
    // timeouts, a command written while the connection is torn down fails with the pipe's InvalidOperationException
    // ("Writing is not allowed after writer was completed"); it is the same outage, not a bug, and answers 503 as one.
    // Only Redis calls run inside the guarded blocks, so no other InvalidOperationException can be caught by it.
    private static bool IsConnectionFailure(Exception exception) =>
        exception is RedisException or TimeoutException or InvalidOperationException;

    // The exception reaches the grain's caller, often on another silo or in a client, through Orleans' serializer, which
    // has no codec for StackExchange.Redis's exception types: attached as the inner exception, the caller would get a
    // CodecNotFoundException instead of a storage failure (an HTTP 500 instead of a 503). The cause travels as text; the
    // whole exception is in this silo's log (LogReadFailed, LogWriteFailed).
    private static RedisStorageException StorageFailure(string what, Exception cause) =>
        new($"{what}: {cause.GetType().Name}: {cause.Message}");

    private static void Set(IGrainState<HotDataState> grainState, string? etag, HotDataState? state)
    {
        grainState.ETag = etag;
        grainState.State = state ?? new HotDataState();
        grainState.RecordExists = state is not null;
    }

    private async Task ReplaceAsync(string stateName, GrainId grainId, IGrainState<HotDataState> grainState, HotDataState? state, string operation)
    {
        var key = Key(stateName, grainId);
        RedisValue expected;
        ulong next;
        if (grainState.ETag is null)
        {
            expected = RedisValue.EmptyString;
            next = 1;
        }
        else if (ulong.TryParse(grainState.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var counter))
        {
            expected = HotDataStateFormat.Header(counter);
            next = counter + 1;
        }
        else
        {
            // The etag of a state Orleans' Redis storage wrote: the key is still its hash until this write replaces it.
            expected = grainState.ETag;
            next = 1;
        }

        var record = HotDataStateFormat.Encode(next, state);
        RedisResult result;
        try
        {
            result = await EvaluateWriteScriptAsync(key, expected, record, state?.Outbox is { Count: > 0 }, grainId.Key.AsSpan().ToArray());
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            LogWriteFailed(ex, grainId, key);
            throw StorageFailure($"Writing the state of {grainId} to Redis key {key} failed ({operation})", ex);
        }

        if ((long)result != 1)
        {
            throw new InconsistentStateException(
                $"The state of {grainId} in Redis key {key} is no longer at ETag {grainState.ETag ?? "(none)"}: another activation wrote it ({operation} in storage '{_name}').",
                storedEtag: null,
                currentEtag: grainState.ETag);
        }

        Set(grainState, next.ToString(CultureInfo.InvariantCulture), state);
    }

    private async Task<RedisResult> EvaluateWriteScriptAsync(RedisKey key, RedisValue expected, byte[] record, bool hasOutbox, byte[] grainKey)
    {
        RedisKey[] keys = [key, _outboxSetKey];
        RedisValue[] values = [expected, record, hasOutbox ? One : Zero, grainKey];
        try
        {
            return await Database.ScriptEvaluateAsync(WriteScriptHash, keys, values);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // Redis restarted or flushed its script cache: send the script itself, which caches it again.
            return await Database.ScriptEvaluateAsync(WriteScript, keys, values);
        }
    }

    private async Task ReadLegacyStateAsync(RedisKey key, GrainId grainId, IGrainState<HotDataState> grainState)
    {
        HashEntry[] entries;
        try
        {
            entries = await Database.HashGetAllAsync(key);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            LogReadFailed(ex, grainId, key);
            throw StorageFailure($"Reading the state of {grainId} from Redis key {key} (a hash written by Orleans' Redis storage) failed", ex);
        }

        string? etag = null;
        byte[]? data = null;
        foreach (var entry in entries)
        {
            if (entry.Name == "etag")
            {
                etag = entry.Value;
            }
            else if (entry.Name == "data")
            {
                data = entry.Value;
            }
        }

        if (etag is null)
        {
            throw new HotDataStateFormatException($"Redis key {key} (the state of {grainId}) is a hash without an etag: neither this storage's format nor Orleans' Redis storage's.");
        }

        HotDataState? state = null;
        if (data is { Length: > 0 })
        {
            try
            {
                state = _legacySerializer.Deserialize<HotDataState>(data);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new HotDataStateFormatException($"Redis key {key} (the state of {grainId}, written by Orleans' Redis storage) cannot be read: {ex.Message}", ex);
            }
        }

        LogLegacyStateRead(grainId, key);
        Set(grainState, etag, state);
    }

    /// <summary>The start of every state key: <see cref="HotDataStorageOptions.KeyPrefix"/>, or <c>{ServiceId}/state/</c>.</summary>
    public static string KeyPrefix(HotDataStorageOptions options, string serviceId)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.KeyPrefix ?? $"{serviceId}/state/";
    }

    /// <summary>
    /// The Redis set of the grain keys whose stored state holds a changelog outbox (changes Kafka may not have
    /// acknowledged): <c>{prefix}changelog-outboxes</c>. Every state write adds or removes its key in the same script.
    /// </summary>
    public static RedisKey OutboxSetKey(string keyPrefix) => keyPrefix + "changelog-outboxes";

    /// <summary>
    /// The grain keys whose stored state holds a changelog outbox, read in pages with <c>SSCAN</c> (a key written
    /// meanwhile may be returned or not, or twice). A crashed silo's keys stay here until an activation sends their
    /// outbox and the next write or deactivation removes it.
    /// </summary>
    public async IAsyncEnumerable<string> KeysWithOutboxAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var member in Database.SetScanAsync(_outboxSetKey, pageSize: 1000).WithCancellation(cancellationToken))
        {
            yield return member.ToString();
        }
    }

    /// <summary>The Redis key of the state <paramref name="stateName"/> of <paramref name="grainId"/> under <paramref name="keyPrefix"/>.</summary>
    public static RedisKey StateKey(string keyPrefix, string stateName, GrainId grainId) =>
        StateKey(Encoding.UTF8.GetBytes(keyPrefix), stateName, grainId);

    private RedisKey Key(string stateName, GrainId grainId) => StateKey(_keyPrefix, stateName, grainId);

    // The key Orleans' Redis storage uses by default ({prefix}{grain id type}/{grain id key}/{name}, where Orleans
    // passes the storage a name for the state), so that its states are found after an upgrade.
    private static RedisKey StateKey(byte[] keyPrefix, string stateName, GrainId grainId)
    {
        var type = grainId.Type.AsSpan();
        var id = grainId.Key.AsSpan();
        var key = new byte[keyPrefix.Length + type.Length + 1 + id.Length + 1 + Encoding.UTF8.GetByteCount(stateName)];
        var span = key.AsSpan();
        keyPrefix.CopyTo(span);
        var position = keyPrefix.Length;
        type.CopyTo(span[position..]);
        position += type.Length;
        span[position++] = (byte)'/';
        id.CopyTo(span[position..]);
        position += id.Length;
        span[position++] = (byte)'/';
        Encoding.UTF8.GetBytes(stateName, span[position..]);
        return key;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Reading the state of {GrainId} from Redis key {Key} failed")]
    private partial void LogReadFailed(Exception exception, GrainId grainId, RedisKey key);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Writing the state of {GrainId} to Redis key {Key} failed")]
    private partial void LogWriteFailed(Exception exception, GrainId grainId, RedisKey key);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Read the state of {GrainId} from Redis key {Key} in Orleans' Redis storage format; the next write stores it in the hot-data format")]
    private partial void LogLegacyStateRead(GrainId grainId, RedisKey key);
}
