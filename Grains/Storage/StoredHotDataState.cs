namespace OrleansHotData.Grains.Storage;

/// <summary>
/// One record of <see cref="HotDataStateFormat"/>: the write counter that serves as the ETag, and the state, or
/// <see langword="null"/> where the state was cleared (the counter stays, so an ETag is never used twice).
/// </summary>
public readonly record struct StoredHotDataState(ulong WriteCounter, HotDataState? State);
