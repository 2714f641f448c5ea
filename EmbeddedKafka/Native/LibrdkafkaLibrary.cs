using System.Reflection;
using System.Runtime.InteropServices;

namespace OrleansHotData.EmbeddedKafka.Native;

/// <summary>
/// Finds the librdkafka file Confluent.Kafka has loaded into this process and makes our P/Invoke library name
/// resolve to it. Loading a second copy would give a mock cluster that cannot see the handle it was created on.
/// </summary>
internal static class LibrdkafkaLibrary
{
    private static readonly Lock Gate = new();
    private static bool registered;
    private static string? loadedPath;

    /// <summary>The file the mock functions were bound to, once <see cref="EnsureResolver"/> ran.</summary>
    internal static string? LoadedPath
    {
        get
        {
            lock (Gate)
            {
                return loadedPath;
            }
        }
    }

    /// <summary>
    /// Registers the resolver. Call only after Confluent.Kafka created a client, so its library is already mapped.
    /// </summary>
    internal static void EnsureResolver()
    {
        lock (Gate)
        {
            if (registered)
            {
                return;
            }

            var path = FindLoadedLibrary() ?? FindShippedLibrary()
                ?? throw new DllNotFoundException(
                    "Could not find the librdkafka library that Confluent.Kafka loaded; the embedded Kafka broker needs it.");

            // Loading a path that is already mapped only bumps its reference count: same instance, same globals.
            var handle = NativeLibrary.Load(path);
            NativeLibrary.SetDllImportResolver(
                typeof(LibrdkafkaLibrary).Assembly,
                (name, _, _) => name == MockClusterNativeMethods.LibraryName ? handle : IntPtr.Zero);
            loadedPath = path;
            registered = true;
        }
    }

    /// <summary>The librdkafka file mapped into this process, read from the kernel's view of our address space.</summary>
    private static string? FindLoadedLibrary()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return null;
        }

        foreach (var line in File.ReadLines(maps))
        {
            // Format: address perms offset dev inode [path]; the path is the last field and starts with '/'.
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            var fileName = Path.GetFileName(path);
            if (fileName.Contains("librdkafka", StringComparison.Ordinal)
                && !fileName.Contains("librdkafka++", StringComparison.Ordinal)
                && fileName.Contains(".so", StringComparison.Ordinal)
                && File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// Where librdkafka.redist puts the library: next to the application, or in the package cache beside
    /// Confluent.Kafka (test runs and tools that do not copy native assets). Used where /proc is not available.
    /// </summary>
    private static string? FindShippedLibrary()
    {
        var rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-", StringComparison.Ordinal)
            ? $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}"
            : RuntimeInformation.RuntimeIdentifier;
        string[] fileNames = OperatingSystem.IsWindows() ? ["librdkafka.dll"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"]
            : ["centos8-librdkafka.so", "librdkafka.so", "alpine-librdkafka.so"];

        var directories = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
            AppContext.BaseDirectory,
        };

        // NuGet cache: confluent.kafka/<v>/lib/<tfm>/Confluent.Kafka.dll and librdkafka.redist/<v>/runtimes/...
        var confluentDirectory = Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location);
        if (!string.IsNullOrEmpty(confluentDirectory))
        {
            directories.Add(Path.Combine(confluentDirectory, "runtimes", rid, "native"));
            var packageRoot = Directory.GetParent(confluentDirectory)?.Parent?.Parent?.Parent;
            var version = typeof(Confluent.Kafka.Library).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
                .InformationalVersion.Split('+')[0];
            if (packageRoot is not null && version is not null)
            {
                directories.Add(Path.Combine(packageRoot.FullName, "librdkafka.redist", version, "runtimes", rid, "native"));
            }
        }

        foreach (var directory in directories)
        {
            foreach (var fileName in fileNames)
            {
                var candidate = Path.Combine(directory, fileName);
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    NativeLibrary.Free(handle);
                    return candidate;
                }
            }
        }

        return null;
    }
}
