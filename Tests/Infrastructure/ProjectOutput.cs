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
        var path = Path.Combine(RepositoryRoot(), project, "bin", configuration.Name, tfm.Name, assemblyFile);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assemblyFile} is not built at {path}; build the solution first.", path);
    }

    /// <summary>The repository root: the nearest folder above the tests that holds the solution file.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansHotData.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (OrleansHotData.sln) is not above the test folder.");
    }
}
