namespace OrleansHotData.Benchmarks.Results;

/// <summary>
/// One line of the results table: a figure of the system beside the same figure of its baseline, measured in the
/// same run. <see cref="Ratio"/> is ours ÷ baseline.
/// </summary>
/// <param name="Scenario">The scenario, e.g. "Ingest (uniform)".</param>
/// <param name="Metric">What is measured, with its unit.</param>
/// <param name="Ours">The system's figure; <see langword="null"/> when not measured.</param>
/// <param name="Baseline">The baseline's figure; <see langword="null"/> when the scenario has none.</param>
/// <param name="Target">The target, in words; <see langword="null"/> when the line has none.</param>
/// <param name="TargetMet">Whether the target is met; <see langword="null"/> when the line has none.</param>
/// <param name="Note">What the reader needs to read the figure.</param>
/// <param name="ShowRatio">Whether a ratio means anything for this figure (not for counts of lost updates).</param>
public sealed record ResultRow(
    string Scenario,
    string Metric,
    double? Ours,
    double? Baseline,
    string? Target = null,
    bool? TargetMet = null,
    string? Note = null,
    bool ShowRatio = true)
{
    /// <summary>Ours ÷ baseline, when both exist and the baseline is not zero.</summary>
    public double? Ratio => ShowRatio && Ours is { } ours && Baseline is { } baseline && baseline != 0 && !double.IsNaN(ours) && !double.IsNaN(baseline)
        ? ours / baseline
        : null;
}
