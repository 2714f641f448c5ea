using OrleansHotData.Silo.Hosting;

if (args.Contains(HealthProbe.Argument))
{
    return await HealthProbe.RunAsync(args);
}

try
{
    // The watchdog bounds this process's shutdown; hosts embedding silos (tests) keep their own process alive.
    var app = HotDataSilo.Build(args, builder => builder.Services.AddHostedService<ShutdownWatchdog>());
    await app.RunAsync();
    return 0;
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
