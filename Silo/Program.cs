using OrleansHotData.Silo.Hosting;
using OrleansHotData.Silo.Operations;

if (args.Contains(HealthProbe.Argument))
{
    return await HealthProbe.RunAsync(args);
}

if (args.Length > 0 && args[0] == ChangelogRebuild.Argument)
{
    return await ChangelogRebuild.RunAsync(args, Console.Out);
}

ListenPorts? ports = null;
try
{
    // The watchdog bounds this process's shutdown; hosts embedding silos (tests) keep their own process alive.
    var app = HotDataSilo.Build(args, builder => builder.Services.AddHostedService<ShutdownWatchdog>());
    ports = ListenPorts.Of(app.Services, app.Configuration);
    ports.ThrowIfTaken();
    await HotDataSilo.VerifyRedisAccessAsync(app.Configuration);
    await app.RunAsync();
    return 0;
}
catch (PortInUseException ex)
{
    // Another process (often another silo or `./hotdata up`) holds a port: one line naming it and its setting.
    await Console.Error.WriteLineAsync($"Start-up error: {ex.Message}");
    return 2;
}
catch (SiloConfigurationException ex)
{
    // A configuration mistake is the operator's to fix: one line, no stack trace.
    await Console.Error.WriteLineAsync($"Configuration error: {ex.Message}");
    return 2;
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync($"Configuration error: {string.Join(" ", ex.Failures)}");
    return 2;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // The binder's message names the setting and the value: "... value 'abc' at 'Orleans:Endpoints:SiloPort' to type 'System.Int32'."
    await Console.Error.WriteLineAsync($"Configuration error: {ex.Message}");
    return 2;
}
catch (Orleans.Runtime.OrleansConfigurationException ex)
{
    // Orleans' own validators (the Kafka stream options, for one) stop the silo at start-up with this.
    await Console.Error.WriteLineAsync($"Configuration error: {ex.Message}");
    return 2;
}
catch (Exception ex) when (ports is not null && ListenPorts.IsAddressInUse(ex))
{
    // A port taken between the check above and the server's bind, which Kestrel and Orleans report with a stack trace.
    await Console.Error.WriteLineAsync($"Start-up error: {ports.DescribeBindFailure(ex)}");
    return 2;
}
