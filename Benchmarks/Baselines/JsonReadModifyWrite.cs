using System.Text.Json;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace OrleansHotData.Benchmarks.Baselines;

/// <summary>
/// The naive read-modify-write of a JSON document in Redis — GET, change, SET — as a consumer or an API handler of the
/// classic pipeline does it. Nothing stops two writers from interleaving between the GET and the SET.
/// </summary>
public static class JsonReadModifyWrite
{
    public static void Increment(IDatabase redis, string key, string deltas)
    {
        var current = redis.StringGet(key);
        redis.StringSet(key, AddDeltas(current, deltas));
    }

    public static async Task IncrementAsync(IDatabase redis, string key, string deltas)
    {
        var current = await redis.StringGetAsync(key);
        await redis.StringSetAsync(key, AddDeltas(current, deltas));
    }

    private static string AddDeltas(RedisValue current, string deltas)
    {
        var document = current.IsNull ? [] : JsonNode.Parse(current.ToString())!.AsObject();
        using var parsed = JsonDocument.Parse(deltas);
        foreach (var delta in parsed.RootElement.EnumerateObject())
        {
            var before = document[delta.Name]?.GetValue<long>() ?? 0;
            document[delta.Name] = before + delta.Value.GetInt64();
        }

        return document.ToJsonString();
    }
}
