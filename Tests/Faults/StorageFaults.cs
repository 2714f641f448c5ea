namespace OrleansHotData.Tests.Faults;

/// <summary>
/// What a <see cref="FaultInjectingGrainStorage"/> does, shared by the test and every silo's decorator: while
/// <see cref="Enabled"/>, a share of grain state writes fails before reaching Redis, and another share fails after
/// Redis stored it (the answer is lost: written, but reported failed).
/// </summary>
public sealed class StorageFaults(int seed)
{
    private readonly Random _random = new(seed);
    private readonly Lock _sync = new();
    private long _failedBefore;
    private long _failedAfter;
    private long _writes;

    /// <summary>Whether faults are injected now.</summary>
    public bool Enabled { get; set; }

    /// <summary>The share of writes that fail without reaching Redis.</summary>
    public double FailBeforeWriteRate { get; init; } = 0.05;

    /// <summary>The share of writes that Redis stores but that are reported failed.</summary>
    public double FailAfterWriteRate { get; init; } = 0.05;

    public long Writes => Interlocked.Read(ref _writes);

    public long FailedBefore => Interlocked.Read(ref _failedBefore);

    public long FailedAfter => Interlocked.Read(ref _failedAfter);

    /// <summary>Decides the fate of one write.</summary>
    public StorageFault Next()
    {
        Interlocked.Increment(ref _writes);
        if (!Enabled)
        {
            return StorageFault.None;
        }

        double roll;
        lock (_sync)
        {
            roll = _random.NextDouble();
        }

        if (roll < FailBeforeWriteRate)
        {
            Interlocked.Increment(ref _failedBefore);
            return StorageFault.BeforeWrite;
        }

        if (roll < FailBeforeWriteRate + FailAfterWriteRate)
        {
            Interlocked.Increment(ref _failedAfter);
            return StorageFault.AfterWrite;
        }

        return StorageFault.None;
    }

    public override string ToString() =>
        $"{Writes} state writes, {FailedBefore} failed before reaching Redis, {FailedAfter} stored but reported failed";
}
