using OrleansHotData.Grains;

namespace OrleansHotData.Tests.Storage;

/// <summary>Compares hot-data states field by field (the record compares its dictionary by reference).</summary>
internal static class StateAssert
{
    public static bool AreSame(HotDataState expected, HotDataState? actual) =>
        actual is not null
        && expected.Json == actual.Json
        && expected.Version == actual.Version
        && expected.UpdatedAt == actual.UpdatedAt
        && expected.UpdatedAt.Offset == actual.UpdatedAt.Offset
        && expected.ExpiresAt == actual.ExpiresAt
        && expected.ExpiresAt?.Offset == actual.ExpiresAt?.Offset
        && expected.UpstreamVersion == actual.UpstreamVersion
        && expected.LastSource == actual.LastSource
        && (expected.Outbox ?? []).SequenceEqual(actual.Outbox ?? [])
        && (expected.SourceOffsets ?? new Dictionary<string, long>()).OrderBy(p => p.Key, StringComparer.Ordinal)
            .SequenceEqual((actual.SourceOffsets ?? new Dictionary<string, long>()).OrderBy(p => p.Key, StringComparer.Ordinal));

    public static void Same(HotDataState expected, HotDataState? actual) =>
        Assert.True(AreSame(expected, actual), $"Expected {Describe(expected)}, got {(actual is null ? "no state" : Describe(actual))}.");

    private static string Describe(HotDataState state) =>
        $"{state} offsets [{string.Join(", ", (state.SourceOffsets ?? new Dictionary<string, long>()).Select(p => $"{p.Key}={p.Value}"))}]";
}
