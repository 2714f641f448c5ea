namespace OrleansHotData.Benchmarks.Infrastructure;

/// <summary>Where the repository and the build outputs the benchmark starts are.</summary>
public static class RepositoryLayout
{
    /// <summary>The nearest folder above this program that holds the solution file.</summary>
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansHotData.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (OrleansHotData.sln) is not above the benchmark program.");
    }

    /// <summary>The silo program in its Release build output.</summary>
    public static string SiloAssembly(string root)
    {
        var path = Path.Combine(root, "Silo", "bin", "Release", "net10.0", "OrleansHotData.Silo.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The silo is not built at {path}: run 'dotnet build Silo -c Release' (./hotdata bench does).", path);
    }

    /// <summary>Where results and logs of the benchmark go.</summary>
    public static string OutputDirectory(string root) => Path.Combine(root, ".hotdata", "bench");
}
