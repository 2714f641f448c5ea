using System.Collections.Concurrent;

namespace OrleansHotData.Tests.Streaming;

/// <summary>
/// Holds the delivery of <see cref="KafkaRecordCollectorGrain"/> records whose value is <c>hold:&lt;name&gt;</c> open
/// until gate <c>name</c> opens, like a consumer whose store is slow; says when such a delivery has begun.
/// </summary>
public static class KafkaDeliveryGate
{
    /// <summary>The value prefix of records that wait for a gate.</summary>
    public const string ValuePrefix = "hold:";

    private static readonly ConcurrentDictionary<string, Gate> Gates = new(StringComparer.Ordinal);

    /// <summary>Closes gate <paramref name="name"/> and returns the record value that waits for it.</summary>
    public static string Close(string name)
    {
        Gates[name] = new Gate();
        return ValuePrefix + name;
    }

    /// <summary>Opens gate <paramref name="name"/>: deliveries waiting for it return.</summary>
    public static void Open(string name)
    {
        if (Gates.TryRemove(name, out var gate))
        {
            gate.Opened.TrySetResult();
        }
    }

    /// <summary>Whether a delivery has begun waiting at gate <paramref name="name"/>.</summary>
    public static bool IsWaiting(string name) => Gates.TryGetValue(name, out var gate) && gate.Entered.Task.IsCompleted;

    /// <summary>Waits, when <paramref name="value"/> names a closed gate, until it opens.</summary>
    public static Task WaitAsync(string? value)
    {
        if (value is null || !value.StartsWith(ValuePrefix, StringComparison.Ordinal) || !Gates.TryGetValue(value[ValuePrefix.Length..], out var gate))
        {
            return Task.CompletedTask;
        }

        gate.Entered.TrySetResult();
        return gate.Opened.Task;
    }

    private sealed class Gate
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
