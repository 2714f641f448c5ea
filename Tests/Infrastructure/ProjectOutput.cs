namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// Finds the build output of another project of the repository, built with the same configuration as the tests.
/// A program must run from its own output folder: the test folder lacks its runtime config and dependencies.
/// </summary>
public static class ProjectOutput
{
    /// <summary>The path of <paramref name="assemblyFile"/> in <c>{project}/bin/{configuration}/{tfm}/</c>.</summary>
    public static string AssemblyPath(string project, string assemblyFile)
    {
        // The tests run from {repo}/Tests/bin/{configuration}/{tfm}/.
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfm.Parent!;
        var repository = configuration.Parent!.Parent!.Parent!;
        var path = Path.Combine(repository.FullName, project, "bin", configuration.Name, tfm.Name, assemblyFile);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assemblyFile} is not built at {path}; build the solution first.", path);
    }
}
