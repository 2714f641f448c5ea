using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace OrleansHotData.EmbeddedKafka.Native;

/// <summary>
/// Decides which librdkafka file this process uses and binds our mock-cluster P/Invoke name to that same file.
/// </summary>
/// <remarks>
/// Two traps on Debian: the bundled <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian 12 lacks, and
/// when Debian's <c>librdkafka-dev</c> is installed the runtime's probing then finds the system's older
/// <c>librdkafka.so</c> (2.0.x, without settings such as <c>fetch.queue.backoff.ms</c>) before Confluent.Kafka
/// falls back to the bundled <c>centos8-librdkafka.so</c>. So, before Confluent.Kafka loads anything, it is pointed
/// at the bundled file that loads here; and the mock functions must come from the very copy Confluent loaded,
/// because a second copy has its own globals and cannot use the first one's handles.
/// </remarks>
internal static class LibrdkafkaLibrary
{
    private const string ConfluentLibraryName = "librdkafka";

    private static readonly Lock Gate = new();
    private static bool confluentResolverTried;
    private static string? bundledPath;
    private static volatile bool bundledServed;
    private static string? mockPath;

    /// <summary>The file the mock functions are bound to, once <see cref="EnsureMockResolver"/> ran.</summary>
    internal static string? LoadedPath
    {
        get
        {
            lock (Gate)
            {
                return mockPath;
            }
        }
    }

    /// <summary>
    /// Points Confluent.Kafka's <c>librdkafka</c> at the bundled library that loads on this machine. Does nothing
    /// when Confluent.Kafka has already loaded a library (then that one stays) or someone else set its resolver.
    /// </summary>
    internal static void PreferBundledLibrary()
    {
        lock (Gate)
        {
            if (confluentResolverTried || Library.IsLoaded)
            {
                return;
            }

            confluentResolverTried = true;
            var found = FindBundledLibrary();
            if (found is null)
            {
                return;
            }

            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
                {
                    if (name != ConfluentLibraryName)
                    {
                        return IntPtr.Zero;
                    }

                    bundledServed = true;
                    return found.Value.Handle;
                });
                bundledPath = found.Value.Path;
            }
            catch (InvalidOperationException)
            {
                // The application set its own resolver for Confluent.Kafka: its choice wins.
                NativeLibrary.Free(found.Value.Handle);
            }
        }
    }

    /// <summary>
    /// Registers the resolver for our mock functions. Call only after Confluent.Kafka created a client, so its
    /// library is loaded.
    /// </summary>
    internal static void EnsureMockResolver()
    {
        lock (Gate)
        {
            if (mockPath is not null)
            {
                return;
            }

            var path = (bundledServed ? bundledPath : null) ?? FindMappedLibrary() ?? FindBundledLibrary()?.Path
                ?? throw new DllNotFoundException(
                    "Could not find the librdkafka library that Confluent.Kafka loaded; the embedded Kafka broker needs it.");

            // Loading a path that is already mapped only bumps its reference count: same instance, same globals.
            var handle = NativeLibrary.Load(path);
            NativeLibrary.SetDllImportResolver(
                typeof(LibrdkafkaLibrary).Assembly,
                (name, _, _) => name == MockClusterNativeMethods.LibraryName ? handle : IntPtr.Zero);
            mockPath = path;
        }
    }

    /// <summary>The librdkafka file mapped into this process, read from the kernel's view of our address space.</summary>
    private static string? FindMappedLibrary()
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
            if (fileName.Contains("librdkafka.", StringComparison.Ordinal)
                && fileName.Contains(".so", StringComparison.Ordinal)
                && File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// The first library from the librdkafka.redist package that loads here, with the handle that keeps it loaded:
    /// next to the application, or in the package cache beside Confluent.Kafka (tools that do not copy native assets).
    /// </summary>
    private static (string Path, IntPtr Handle)? FindBundledLibrary()
    {
        var rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-", StringComparison.Ordinal)
            ? $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}"
            : RuntimeInformation.RuntimeIdentifier;
        string[] fileNames = OperatingSystem.IsWindows() ? ["librdkafka.dll"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"]
            : ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];

        var directories = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
            AppContext.BaseDirectory,
        };

        // NuGet cache layout: confluent.kafka/<v>/lib/<tfm>/Confluent.Kafka.dll, librdkafka.redist/<v>/runtimes/<rid>/native.
        var confluentDirectory = Path.GetDirectoryName(typeof(Library).Assembly.Location);
        if (!string.IsNullOrEmpty(confluentDirectory))
        {
            directories.Add(Path.Combine(confluentDirectory, "runtimes", rid, "native"));
            var packagesRoot = Directory.GetParent(confluentDirectory)?.Parent?.Parent?.Parent;
            var version = typeof(Library).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
                .InformationalVersion.Split('+')[0];
            if (packagesRoot is not null && version is not null)
            {
                directories.Add(Path.Combine(packagesRoot.FullName, "librdkafka.redist", version, "runtimes", rid, "native"));
            }
        }

        foreach (var directory in directories)
        {
            foreach (var fileName in fileNames)
            {
                var candidate = Path.Combine(directory, fileName);
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    return (candidate, handle);
                }
            }
        }

        return null;
    }
}
