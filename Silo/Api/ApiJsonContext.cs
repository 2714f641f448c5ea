using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansHotData.Silo.Api;

/// <summary>Source-generated JSON metadata for the API's own request types.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BatchGetRequest))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
