using System.Diagnostics;
using Confluent.Kafka;
using OrleansHotData.Grains.Changelog;
using OrleansHotData.Tests.Changelog;
using OrleansHotData.Tests.Kafka;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// A fault test's changelog topic (<c>&lt;topic&gt;.changes</c>) checked against its <see cref="MixedWorkload"/>, read
/// with a real Confluent consumer; each check prints what it found to the test's report.
/// </summary>
internal sealed class WorkloadChangelog(MixedWorkload workload, KafkaClientConfigs kafka, string sourceTopic, FaultReport report)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private readonly ConsumerConfig _config = kafka.Consumer("changelog-audit");
    private readonly string _topic = sourceTopic + ChangelogOptions.DefaultTopicSuffix;

    /// <summary>
    /// Waits, before anything reads a key, until the changelog holds every key's last acknowledged change
    /// (<see cref="MixedWorkload.ChangelogFloor"/>): a crashed silo's unsent changes must be sent without a read
    /// activating their keys. Returns the keys still behind at <paramref name="deadline"/>, none on success.
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitForAcknowledgedChangesAsync(TimeSpan deadline)
    {
        var floor = workload.ChangelogFloor();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var audit = ChangelogAudit.Read(_config, _topic);
            var behind = floor.Where(p => audit.LastVersion(p.Key) < p.Value)
                .Select(p => $"{p.Key}: the changelog reached version {audit.LastVersion(p.Key)}, the workload had version {p.Value} acknowledged")
                .ToList();
            if (behind.Count == 0 || clock.Elapsed >= deadline)
            {
                report.Phase($"changelog before any read: {audit.Total} records, {floor.Count} keys with acknowledged changes, {behind.Count} behind");
                Print(behind);
                return behind;
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>
    /// Once the cluster has converged: every key's records are its versions from the first to the one the cluster
    /// holds, none missing, each carrying the model's value, a record older than the newest only a duplicate.
    /// Polls until that holds or <paramref name="deadline"/> passes (the last changes may still be on their way);
    /// returns the problems left, none on success.
    /// </summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(
        Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> read,
        TimeSpan deadline)
    {
        var histories = workload.ChangelogHistories(await workload.ReadAllAsync(read));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var audit = ChangelogAudit.Read(_config, _topic);
            var problems = histories.SelectMany(p => audit.Problems(p.Key, p.Value)).ToList();
            if (problems.Count == 0 || clock.Elapsed >= deadline)
            {
                var duplicates = audit.Records.Values.Sum(list => list.Count - list.Select(e => e.Version).Distinct().Count());
                report.Phase($"changelog audited: {audit.Total} records of {histories.Count} keys ({histories.Values.Sum(h => h.Count)} versions, {duplicates} duplicates), {problems.Count} problems");
                Print(problems);
                return problems;
            }

            await Task.Delay(Poll);
        }
    }

    private void Print(List<string> lines)
    {
        foreach (var line in lines.Take(20))
        {
            report.Line("  " + line);
        }
    }
}
