using System.Globalization;

namespace OrleansHotData.Tests.Faults;

/// <summary>What a <see cref="MixedWorkload"/> has done so far.</summary>
/// <param name="KafkaRecordsProduced">Records the broker acknowledged.</param>
/// <param name="KafkaRecordsFailed">Records whose produce failed (their keys can no longer be predicted: reported as mismatches).</param>
/// <param name="KafkaIncrements">Acknowledged <c>incr</c> records (each must count exactly once).</param>
/// <param name="ApiWritesAcknowledged">API writes that returned success.</param>
/// <param name="ApiWritesUnknown">API writes that failed or did not answer: each may or may not have been applied.</param>
/// <param name="ApiWritesTimedOut">Of the unknown writes, those that did not answer within the write timeout.</param>
/// <param name="ApiWritesRefused">API writes the system refused (400, 409, 500...): not applied.</param>
/// <param name="ApiIncrementsAcknowledged">Acknowledged API increments of the shared keys.</param>
/// <param name="ApiSlowestAcknowledged">The longest an acknowledged API write took.</param>
/// <param name="Keys">Keys the workload has written.</param>
/// <param name="Elapsed">Time spent producing and writing.</param>
public sealed record MixedWorkloadCounts(
    long KafkaRecordsProduced,
    long KafkaRecordsFailed,
    long KafkaIncrements,
    long ApiWritesAcknowledged,
    long ApiWritesUnknown,
    long ApiWritesTimedOut,
    long ApiWritesRefused,
    long ApiIncrementsAcknowledged,
    TimeSpan ApiSlowestAcknowledged,
    int Keys,
    TimeSpan Elapsed)
{
    /// <summary>Every API write sent: acknowledged, unknown or refused.</summary>
    public long ApiWritesSent => ApiWritesAcknowledged + ApiWritesUnknown + ApiWritesRefused;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Kafka: {KafkaRecordsProduced} records produced ({KafkaIncrements} incr), {KafkaRecordsFailed} failed; " +
        $"API: {ApiWritesAcknowledged} writes acknowledged ({ApiIncrementsAcknowledged} shared increments, slowest {ApiSlowestAcknowledged.TotalSeconds:0.0} s), " +
        $"{ApiWritesUnknown} unknown ({ApiWritesTimedOut} without an answer), {ApiWritesRefused} refused; {Keys} keys; {Elapsed.TotalSeconds:0.0} s");
}
