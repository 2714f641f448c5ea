using System.Collections.Concurrent;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// Makes <see cref="KafkaRecordCollectorGrain"/> fail the records whose value is <c>fail-while:&lt;name&gt;</c> for as
/// long as the switch <c>name</c> is on, like a consumer whose store is down and comes back.
/// </summary>
public static class KafkaRecordFailureSwitch
{
    /// <summary>The value prefix of records that obey a switch.</summary>
    public const string ValuePrefix = "fail-while:";

    private static readonly ConcurrentDictionary<string, byte> On = new(StringComparer.Ordinal);

    /// <summary>Turns switch <paramref name="name"/> on and returns the record value that obeys it.</summary>
    public static string TurnOn(string name)
    {
        On[name] = 0;
        return ValuePrefix + name;
    }

    /// <summary>Turns switch <paramref name="name"/> off: its records are delivered from their next attempt on.</summary>
    public static void TurnOff(string name) => On.TryRemove(name, out _);

    /// <summary>Whether a record with <paramref name="value"/> must fail now.</summary>
    public static bool MustFail(string? value) =>
        value is not null && value.StartsWith(ValuePrefix, StringComparison.Ordinal) && On.ContainsKey(value[ValuePrefix.Length..]);
}
