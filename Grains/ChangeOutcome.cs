namespace OrleansHotData.Grains;

/// <summary>The result of applying one change to an entry.</summary>
/// <param name="Status">Applied, or why not.</param>
/// <param name="Entry">The entry after the change (the unchanged entry when not applied).</param>
/// <param name="Error">One sentence saying why the change was not applied.</param>
public sealed record ChangeOutcome(WriteStatus Status, HotDataEntry Entry, string? Error = null)
{
    /// <summary>Whether the change was applied.</summary>
    public bool Applied => Status == WriteStatus.Applied;
}
