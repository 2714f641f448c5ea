using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using OrleansHotData.Client;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Faults;

/// <summary>The delegates a <see cref="MixedWorkload"/> needs, for a Confluent producer, the SDK and the HTTP API.</summary>
public static class WorkloadBindings
{
    /// <summary>Produces each record to <paramref name="topic"/>; completes with its position once acknowledged.</summary>
    public static Func<WorkloadRecord, Task<KafkaPosition>> Produce(IProducer<string?, byte[]?> producer, string topic) => async record =>
    {
        var message = TestRecords.Create(record.Key, record.Value, record.Headers.Select(h => (h.Key, h.Value)));
        // ProduceAsync enqueues before it returns its task, so records keep the order of these calls.
        var result = await producer.ProduceAsync(topic, message);
        return new KafkaPosition(result.Partition.Value, result.Offset.Value);
    };

    /// <summary>Writes through the SDK; Orleans and storage failures make a write's outcome unknown, its <c>HotDataException</c>s are refusals.</summary>
    public static Func<ApiWrite, CancellationToken, Task> SdkWrite(IHotDataClient client) => (write, cancellationToken) =>
    {
        ArgumentNullException.ThrowIfNull(client);
        var json = JsonSerializer.Deserialize<JsonElement>(write.Json);
        return write.Operation switch
        {
            ChangeOperation.Set => client.SetAsync(write.Key, json, cancellationToken: cancellationToken),
            ChangeOperation.Patch => client.PatchAsync(write.Key, json, cancellationToken: cancellationToken),
            ChangeOperation.Increment => client.IncrementAsync(write.Key, json, cancellationToken: cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(write), write.Operation, "The workload writes set, patch and increment only."),
        };
    };

    /// <summary>Reads through the SDK's <c>GetManyAsync</c>.</summary>
    public static Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> SdkRead(IHotDataClient client) =>
        async (keys, cancellationToken) =>
        {
            var items = await client.GetManyAsync<JsonElement>(keys, cancellationToken);
            return items.ToDictionary(i => i.Key, i => new ObservedValue(i.Value.Version, i.Value.Value.GetRawText()), StringComparer.Ordinal);
        };

    /// <summary>
    /// Writes through the HTTP API (<c>PUT</c>, <c>PATCH</c>, <c>POST .../incr</c>); any status but 200 throws
    /// <see cref="HttpWriteException"/> with the status and the problem body.
    /// </summary>
    public static Func<ApiWrite, CancellationToken, Task> HttpWrite(HttpClient http) => async (write, cancellationToken) =>
    {
        var path = "/v1/keys/" + Uri.EscapeDataString(write.Key);
        using var request = write.Operation switch
        {
            ChangeOperation.Set => new HttpRequestMessage(HttpMethod.Put, path),
            ChangeOperation.Patch => new HttpRequestMessage(HttpMethod.Patch, path),
            ChangeOperation.Increment => new HttpRequestMessage(HttpMethod.Post, path + "/incr"),
            _ => throw new ArgumentOutOfRangeException(nameof(write), write.Operation, "The workload writes set, patch and increment only."),
        };
        request.Content = new StringContent(write.Json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpWriteException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(cancellationToken));
        }
    };

    /// <summary>Reads through <c>POST /v1/keys:batchGet</c>.</summary>
    public static Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> HttpRead(HttpClient http) =>
        async (keys, cancellationToken) =>
        {
            using var content = new StringContent(JsonSerializer.Serialize(new { keys }), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var response = await http.PostAsync("/v1/keys:batchGet", content, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpWriteException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
            }

            using var document = JsonDocument.Parse(body);
            var result = new Dictionary<string, ObservedValue>(StringComparer.Ordinal);
            foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
            {
                result[item.GetProperty("key").GetString()!] = new ObservedValue(
                    item.GetProperty("version").GetInt64(),
                    item.GetProperty("value").GetRawText());
            }

            return result;
        };

    /// <summary>A one-line summary of the unknown API writes: how many of each error, and the longest wait.</summary>
    public static string Summarize(IReadOnlyList<ApiWriteFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (failures.Count == 0)
        {
            return "no API write failed";
        }

        var kinds = failures
            .GroupBy(f => f.Error.Length > 80 ? f.Error[..80] : f.Error)
            .OrderByDescending(g => g.Count())
            .Take(4)
            .Select(g => $"{g.Count()}× {g.Key}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{failures.Count} API writes failed between {failures.Min(f => f.At).TotalSeconds:0.0} s and {failures.Max(f => f.At).TotalSeconds:0.0} s, " +
            $"slowest answer {failures.Max(f => f.Latency).TotalSeconds:0.0} s: {string.Join("; ", kinds)}");
    }
}
