namespace OrleansHotData.Tests;

/// <summary>
/// The values of the <c>Category</c> trait every test class carries (one each), by what a test starts. Filter on them
/// with <c>dotnet test --filter "Category=Unit"</c>; <c>./hotdata test --fast</c> runs <see cref="Unit"/> and
/// <see cref="Integration"/>. <see cref="TestCategoryTests"/> fails when a test class has none, or one not listed here.
/// </summary>
public static class TestCategory
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>Code alone: no server, no child process, no socket.</summary>
    public const string Unit = "Unit";

    /// <summary>
    /// Silos and clients inside the test process against a real <c>redis-server</c> (and, where the subject is not
    /// ingestion, the embedded broker as a source): the HTTP API, the SDK, storage, security, observability.
    /// </summary>
    public const string Integration = "Integration";

    /// <summary>
    /// Silos, clients or the broker in the test process around real topics of the embedded broker (ingestion, the
    /// stream provider, the broker itself): consumer groups and rebalances take seconds per test.
    /// </summary>
    public const string Streaming = "Streaming";

    /// <summary>Starts the project's programs or tools (a silo, the broker host, kubectl, docker-compose) as child processes.</summary>
    public const string Process = "Process";

    /// <summary>Stops, kills or breaks a part (a silo, Redis, the broker, storage) in the middle of a workload.</summary>
    public const string Faults = "Faults";

    /// <summary>Drives the dashboard in a headless chromium.</summary>
    public const string Browser = "Browser";

    /// <summary>Builds the images and runs the compose cluster on a Docker engine; skipped where none can start.</summary>
    public const string Containers = "Containers";

    /// <summary>Every value above.</summary>
    public static readonly IReadOnlyList<string> All = [Unit, Integration, Streaming, Process, Faults, Browser, Containers];
}
