namespace OrleansHotData.Tests.Faults;

/// <summary>The changes the workload generators choose from: flat JSON objects of a few integer fields.</summary>
public static class WorkloadChanges
{
    /// <summary>The field that Kafka and API writers increment on the shared keys.</summary>
    public const string SharedField = "n";

    /// <summary>The fields of the Kafka and API keys' values.</summary>
    public static readonly IReadOnlyList<string> Fields = ["a", "b", "c"];

    /// <summary>The increment of a shared key, as JSON.</summary>
    public static string SharedIncrementJson => $$"""{"{{SharedField}}":1}""";

    /// <summary>The increment of a shared key, as the model's fields.</summary>
    public static Dictionary<string, long?> SharedIncrement() => new(StringComparer.Ordinal) { [SharedField] = 1 };

    /// <summary>Some of the fields with random values; null (remove, in a patch) only when allowed; at least <paramref name="minimum"/>.</summary>
    public static Dictionary<string, long?> RandomFields(Random random, bool allowNull, int minimum)
    {
        ArgumentNullException.ThrowIfNull(random);
        var fields = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var field in Fields)
        {
            if (random.Next(2) == 0)
            {
                fields[field] = allowNull && random.Next(4) == 0 ? null : random.Next(-1000, 1000);
            }
        }

        if (fields.Count < minimum)
        {
            fields[Fields[random.Next(Fields.Count)]] = random.Next(-1000, 1000);
        }

        return fields;
    }

    /// <summary>An increment of one random field by a delta in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Dictionary<string, long?> RandomIncrement(Random random, int low, int high)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new Dictionary<string, long?>(StringComparer.Ordinal) { [Fields[random.Next(Fields.Count)]] = random.Next(low, high) };
    }
}
