namespace OrleansHotData.Tests.Robustness;

/// <summary>The inputs that ended outside the documented rules, each under the rule it broke.</summary>
public sealed class FailureLog
{
    private readonly List<(string Rule, string Detail)> _failures = [];

    public int Count => _failures.Count;

    public IEnumerable<string> Details => _failures.Select(f => $"[{f.Rule}] {f.Detail}");

    public void Add(string rule, string detail) => _failures.Add((rule, detail));

    /// <summary>How many inputs broke each rule, most first.</summary>
    public string Summary() => string.Join("\n", _failures.GroupBy(f => f.Rule).OrderByDescending(g => g.Count()).Select(g => $"  {g.Count(),4} × {g.Key}"));
}
