using System.Text.Json.Nodes;
using OrleansHotData.Cluster;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// The build output of another project of the repository, built with the same configuration as the tests (the
/// cluster harness's <see cref="RepositoryLayout"/>). A program must run from its own output folder: the test folder
/// lacks its runtime config and dependencies.
/// </summary>
public static class ProjectOutput
{
    /// <summary>The path of <paramref name="assemblyFile"/> in <c>{project}/bin/{configuration}/{tfm}/</c>.</summary>
    public static string AssemblyPath(string project, string assemblyFile) => RepositoryLayout.AssemblyPath(project, assemblyFile);

    /// <summary>The repository root: the nearest folder above the tests that holds the solution file.</summary>
    public static string RepositoryRoot() => RepositoryLayout.Root();

    /// <summary>The <c>appsettings.json</c> the silo ships with, from its build output.</summary>
    public static JsonNode SiloAppSettings() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(AssemblyPath("Silo", "OrleansHotData.Silo.dll"))!, "appsettings.json")))!;
}
