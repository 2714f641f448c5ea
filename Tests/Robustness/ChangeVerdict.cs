namespace OrleansHotData.Tests.Robustness;

/// <summary>What the documented rules say becomes of a change, as the oracle decides it.</summary>
public enum ChangeVerdict
{
    /// <summary>The change applies: the value and version move on.</summary>
    Applied,

    /// <summary>Refused as invalid: HTTP 400, a dead letter with reason <c>invalid-change</c>.</summary>
    Invalid,

    /// <summary>The rules leave the outcome open (or it depends on precision the rules do not fix): not generated.</summary>
    Unsettled,
}
