using System.Diagnostics;

namespace OrleansHotData.Tests.Infrastructure;

/// <summary>Runs the silo program to its exit, as an operator would start it, and returns what it printed.</summary>
public static class SiloCommand
{
    public sealed record Outcome(int ExitCode, string Output, string Errors);

    public static async Task<Outcome> RunToExitAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments)
    {
        var silo = ProjectOutput.AssemblyPath("Silo", "OrleansHotData.Silo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetDirectoryName(silo)!,
        };
        start.ArgumentList.Add(silo);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Orleans__Endpoints__SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__Endpoints__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"The silo did not exit within {timeout}; it should have refused its configuration.");
        }

        return new Outcome(process.ExitCode, await output, await errors);
    }
}
