namespace OrleansHotData.Tests.Containers;

/// <summary>
/// A test that needs the Docker engine of <c>./hotdata test --containers</c>; skipped, with the reason, when
/// <see cref="ContainerEngine.HostVariable"/> names none (a plain <c>dotnet test</c>, or a machine where the engine
/// cannot start).
/// </summary>
public sealed class ContainerFactAttribute : FactAttribute
{
    public ContainerFactAttribute()
    {
        if (ContainerEngine.Host is null)
        {
            Skip = $"needs a Docker engine: {ContainerEngine.HostVariable} is not set (./hotdata test --containers starts one)";
        }
    }
}
