namespace OrleansHotData.Tests.Faults;

/// <summary>Assertions on the API writes of a <see cref="MixedWorkload"/> that a fault test makes beside its model comparison.</summary>
public static class WorkloadAssert
{
    /// <summary>
    /// The system refused no API write except of the <paramref name="expectedRefusals"/> kinds (<c>HTTP 409</c>, an
    /// exception's type), and at least <paramref name="minimumAcknowledgedShare"/> of the writes sent (and at least
    /// one) were acknowledged: an API that refused or failed every write cannot pass.
    /// </summary>
    public static void ApiWrites(MixedWorkload workload, double minimumAcknowledgedShare, params string[] expectedRefusals)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var unexpected = workload.ApiRefusals.Where(r => !expectedRefusals.Contains(r.Kind, StringComparer.Ordinal)).ToList();
        Assert.True(unexpected.Count == 0,
            $"{unexpected.Count} API writes were refused, of kinds the test does not expect ({string.Join(", ", expectedRefusals.DefaultIfEmpty("none"))}): "
            + string.Join("; ", unexpected.GroupBy(r => r.Kind).Select(g => $"{g.Count()}× {g.Key}, e.g. {g.First().Key}: {g.First().Error}")));

        var counts = workload.Counts;
        var floor = Math.Max(1, (long)Math.Ceiling(counts.ApiWritesSent * minimumAcknowledgedShare));
        Assert.True(counts.ApiWritesAcknowledged >= floor,
            $"only {counts.ApiWritesAcknowledged} of {counts.ApiWritesSent} API writes were acknowledged, fewer than the {floor} expected: {counts}");
    }
}
