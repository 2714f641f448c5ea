using System.Runtime.InteropServices;

namespace OrleansHotData.EmbeddedKafka.Native;

/// <summary>
/// Tells whether this process may read its terminal. A background job that reads its controlling terminal is
/// stopped by the kernel (SIGTTIN), so the broker must not read standard input there.
/// </summary>
internal static partial class TerminalNativeMethods
{
    [LibraryImport("libc", EntryPoint = "tcgetpgrp", SetLastError = true)]
    private static partial int TcGetProcessGroup(int fileDescriptor);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    private static partial int GetProcessGroup();

    /// <summary>True when standard input is a terminal whose foreground process group is ours.</summary>
    internal static bool IsForegroundOfTerminal()
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        try
        {
            var foreground = TcGetProcessGroup(0);
            return foreground > 0 && foreground == GetProcessGroup();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
