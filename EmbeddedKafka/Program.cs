using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansHotData.EmbeddedKafka.Native;
using OrleansHotData.EmbeddedKafka.Sasl;

namespace OrleansHotData.EmbeddedKafka;

/// <summary>
/// The broker as a process of its own, for setups where the processes that use it may be killed and restarted:
/// prints <c>bootstrap=...</c> on standard output and runs until SIGINT or SIGTERM.
/// </summary>
internal static class Program
{
    private const int ExitUsage = 2;

    private static int Main(string[] args)
    {
        if (!HostArguments.TryParse(args, out var arguments, out var error))
        {
            Console.Error.WriteLine($"error: {error} {HostArguments.Usage}");
            return ExitUsage;
        }

        if (arguments!.ShowHelp)
        {
            Console.WriteLine(HostArguments.Usage);
            Console.WriteLine(ControlCommand.Help);
            return 0;
        }

        using var loggerFactory = LoggerFactory.Create(static logging => logging
            .AddConsole(static o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(static o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
        var logger = loggerFactory.CreateLogger("OrleansHotData.EmbeddedKafka");

        SaslUsers? saslUsers = null;
        if (arguments.SaslUsersFile is { } usersFile && !SaslUsers.TryLoad(usersFile, out saslUsers, out error))
        {
            Console.Error.WriteLine($"error: {error}");
            return ExitUsage;
        }

        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, stop));

        EmbeddedKafkaCluster cluster;
        try
        {
            cluster = EmbeddedKafkaCluster.Start(arguments.Brokers);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: the embedded Kafka broker could not start: {e.Message}");
            return 1;
        }

        using var owned = cluster;
        foreach (var topic in arguments.Topics)
        {
            try
            {
                cluster.CreateTopic(topic.Name, topic.Partitions, Math.Min(arguments.Brokers, 3));
            }
            catch (Confluent.Kafka.KafkaException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }

            HostLog.TopicCreated(logger, topic.Name, topic.Partitions);
        }

        HostLog.Started(logger, arguments.Brokers, cluster.BootstrapServers);
        var brokerAddresses = cluster.BootstrapServers.Split(',');
        var forwarders = new List<BootstrapForwarder>();
        try
        {
            return Serve(arguments, cluster, saslUsers, brokerAddresses, forwarders, stop.Task, logger);
        }
        finally
        {
            forwarders.ForEach(static f => f.Dispose());
        }
    }

    private static int Serve(
        HostArguments arguments,
        EmbeddedKafkaCluster cluster,
        SaslUsers? saslUsers,
        string[] brokerAddresses,
        List<BootstrapForwarder> forwarders,
        Task<string> stop,
        ILogger logger)
    {
        var clientAddresses = cluster.BootstrapServers;
        ConnectionGate? gate = null;
        if (saslUsers is not null)
        {
            // One authenticating proxy per broker, advertised in metadata instead of the broker, so that every
            // connection a client makes, not only the first, goes through it.
            gate = new SaslGate(saslUsers, arguments.SaslMechanisms, logger).AuthenticateAsync;
            for (var i = 0; i < brokerAddresses.Length; i++)
            {
                var proxy = BootstrapForwarder.Start(System.Net.IPAddress.Loopback, 0, brokerAddresses[i], logger, gate);
                forwarders.Add(proxy);
                cluster.SetBrokerAdvertisedAddress(i + 1, System.Net.IPAddress.Loopback.ToString(), proxy.Port);
            }

            clientAddresses = string.Join(',', forwarders.Select(static f => f.Address));
            HostLog.SaslEnabled(logger, string.Join(',', arguments.SaslMechanisms), saslUsers.Count, clientAddresses);
        }

        if (arguments.BootstrapPort is { } bootstrapPort)
        {
            BootstrapForwarder forwarder;
            try
            {
                forwarder = BootstrapForwarder.Start(arguments.BootstrapAddress, bootstrapPort, brokerAddresses[0], logger, gate);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Console.Error.WriteLine($"error: --bootstrap-port {bootstrapPort}: cannot listen on {arguments.BootstrapAddress}:{bootstrapPort}: {e.Message}");
                return 1;
            }

            forwarders.Add(forwarder);
            HostLog.BootstrapForwarding(logger, forwarder.Address, brokerAddresses[0]);
        }

        if (arguments.EndpointsFile is { } endpointsFile)
        {
            WriteEndpointsFile(endpointsFile, clientAddresses);
            HostLog.EndpointsWritten(logger, endpointsFile);
        }

        // The one line on standard output, written last so a reader that sees it can connect at once.
        Console.Out.WriteLine($"bootstrap={clientAddresses}");
        Console.Out.Flush();

        StartControlReader(cluster, logger);

        var signal = stop.GetAwaiter().GetResult();
        HostLog.Stopping(logger, signal);
        return 0;
    }

    private static void OnSignal(PosixSignalContext context, TaskCompletionSource<string> stop)
    {
        // Cancel the default termination so the cluster is disposed and the exit code is 0.
        context.Cancel = true;
        stop.TrySetResult(context.Signal.ToString());
    }

    /// <summary>Written to a temporary file first, then moved, so a reader never sees half a file.</summary>
    private static void WriteEndpointsFile(string path, string bootstrapServers)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var temporary = fullPath + ".tmp";
        using (var stream = File.Create(temporary))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("bootstrapServers", bootstrapServers);
            writer.WriteEndObject();
        }

        File.Move(temporary, fullPath, overwrite: true);
    }

    /// <summary>
    /// Reads control commands while standard input has lines. End of input only ends the reading, never the broker:
    /// a script that starts it in the background hands it an empty standard input.
    /// </summary>
    private static void StartControlReader(EmbeddedKafkaCluster cluster, ILogger logger)
    {
        if (!Console.IsInputRedirected && !TerminalNativeMethods.IsForegroundOfTerminal())
        {
            HostLog.ControlInputOff(logger);
            return;
        }

        var reader = new Thread(() =>
        {
            // A plain stream rather than Console.In, which on a terminal takes over echo and line editing: this reads
            // lines the same way from a terminal, a pipe or a file.
            using var input = new StreamReader(Console.OpenStandardInput());
            while (input.ReadLine() is { } line)
            {
                try
                {
                    if (!ControlCommand.TryExecute(cluster, line, logger))
                    {
                        HostLog.UnknownCommand(logger, line, ControlCommand.Help);
                    }
                }
                catch (Exception e) when (e is Confluent.Kafka.KafkaException or ArgumentException)
                {
                    HostLog.CommandFailed(logger, e, line);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        })
        {
            IsBackground = true,
            Name = "embedded-kafka-control",
        };
        reader.Start();
    }
}
