namespace OrleansHotData.Cluster;

/// <summary>Where the repository is, and the build outputs of its programs.</summary>
public static class RepositoryLayout
{
    private const string TargetFramework = "net10.0";

    /// <summary>The nearest folder above the running program (else the working directory) that holds the solution file.</summary>
    public static string Root()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            var directory = new DirectoryInfo(start);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansHotData.sln")))
            {
                directory = directory.Parent;
            }

            if (directory is not null)
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"The repository root (OrleansHotData.sln) is not above {AppContext.BaseDirectory}.");
    }

    /// <summary>
    /// The configuration the running program was built with (the folder name above its target framework folder, as in
    /// <c>bin/Release/net10.0/</c>); Release when it runs from elsewhere.
    /// </summary>
    public static string CurrentConfiguration()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return tfm.Name == TargetFramework && tfm.Parent?.Parent?.Name == "bin" ? tfm.Parent.Name : "Release";
    }

    /// <summary>The path of <paramref name="assemblyFile"/> in <c>{root}/{project}/bin/{configuration}/net10.0/</c>; it must exist.</summary>
    public static string AssemblyPath(string project, string assemblyFile, string? configuration = null, string? root = null)
    {
        configuration ??= CurrentConfiguration();
        var path = Path.Combine(root ?? Root(), project, "bin", configuration, TargetFramework, assemblyFile);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assemblyFile} is not built at {path}: run 'dotnet build {project} -c {configuration}'.", path);
    }

    /// <summary>The silo program in its build output.</summary>
    public static string SiloAssembly(string? configuration = null, string? root = null) =>
        AssemblyPath("Silo", "OrleansHotData.Silo.dll", configuration, root);

    /// <summary>The embedded Kafka broker program in its build output.</summary>
    public static string BrokerAssembly(string? configuration = null, string? root = null) =>
        AssemblyPath("EmbeddedKafka", "OrleansHotData.EmbeddedKafka.dll", configuration, root);

    /// <summary>Where the development commands keep their state and logs: <c>.hotdata/</c>.</summary>
    public static string StateDirectory(string? root = null) => Path.Combine(root ?? Root(), ".hotdata");
}
