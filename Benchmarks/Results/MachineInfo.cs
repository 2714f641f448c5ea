using System.Globalization;
using System.Runtime.InteropServices;

namespace OrleansHotData.Benchmarks.Results;

/// <summary>The machine a run was measured on.</summary>
public sealed record MachineInfo(int Cores, long MemoryBytes, string OperatingSystem, string Runtime, string Cpu)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        ReadMeminfoTotal(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ReadCpuModel());

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Cores} cores ({Cpu}), {MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB memory, {OperatingSystem}, {Runtime}");

    private static long ReadMeminfoTotal()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string ReadCpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
