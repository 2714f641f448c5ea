using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace OrleansHotData.Cluster;

/// <summary>
/// <c>up</c>: the whole system for development (what <c>./hotdata up</c> runs once it has built the programs): a
/// <c>redis-server</c> (unless <c>ConnectionStrings__Redis</c> is set), the embedded Kafka broker (unless
/// <c>Kafka__BootstrapServers</c> is set) and N silos; prints the endpoints, writes them to <c>endpoints.json</c> in the
/// state folder, and runs until every silo has exited or Ctrl-C (or SIGTERM) stops it all, in reverse order.
/// </summary>
public static class UpCommand
{
    internal const string Usage =
        "usage: OrleansHotData.Cluster up [--silos N] [--http-port PORT] [--topic NAME[:PARTITIONS]] [--state-dir DIR]";

    private const int DefaultPartitions = 8;

    /// <summary>Runs the command; returns the exit code (2: a refused start, with one line saying why).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int silos = 1, httpPort = 8080, partitions = ParseInt(Environment.GetEnvironmentVariable("Kafka__Topics__0__Partitions")) ?? DefaultPartitions;
        var topic = Environment.GetEnvironmentVariable("Kafka__Topics__0__Name") is { Length: > 0 } t ? t : "hotdata.events";
        string? stateDirectory = null;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--silos" when ParseInt(value) is >= 1 and <= 99:
                    silos = ParseInt(value)!.Value;
                    i++;
                    break;
                case "--http-port" when ParseInt(value) is >= 0 and <= 65535:
                    httpPort = ParseInt(value)!.Value;
                    i++;
                    break;
                case "--topic" when value is { Length: > 0 }:
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    topic = colon < 0 ? value : value[..colon];
                    partitions = colon < 0 ? DefaultPartitions : ParseInt(value[(colon + 1)..]) ?? 0;
                    if (partitions is < 1 or > 9999)
                    {
                        return Fail($"--topic '{value}': the partition count after ':' must be a whole number from 1 to 9999");
                    }

                    i++;
                    break;
                case "--state-dir" when value is { Length: > 0 }:
                    stateDirectory = value;
                    i++;
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    return Fail($"up: unexpected argument '{args[i]}'. {Usage}");
            }
        }

        stateDirectory = Path.GetFullPath(stateDirectory ?? RepositoryLayout.StateDirectory());
        Directory.CreateDirectory(stateDirectory);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        // The ports: the first silo's HTTP port as asked (kept from the others and Redis), the rest searched upwards
        // from the usual ones, each past the last one taken, as the silos have not bound theirs yet.
        if (httpPort != 0)
        {
            if (FreePort.InUse(httpPort))
            {
                return HttpPortTaken(httpPort);
            }

            FreePort.Reserve(httpPort);
        }

        var redisConnection = Environment.GetEnvironmentVariable("ConnectionStrings__Redis") is { Length: > 0 } r ? r : null;
        var kafka = Environment.GetEnvironmentVariable("Kafka__BootstrapServers") is { Length: > 0 } k ? k : null;
        var changelog = Environment.GetEnvironmentVariable("Changelog__Topic") is { Length: > 0 } c ? c : topic + ".changes";
        var deadLetterTopic = topic + (Environment.GetEnvironmentVariable("Kafka__DeadLetterTopicSuffix") ?? ".dlq");
        var ports = new List<SiloPorts>();
        int nextHttp = httpPort == 0 ? FreePort.From(18080) : httpPort, nextSilo = 11111, nextGateway = 30000;
        for (var i = 0; i < silos; i++)
        {
            var http = i == 0 ? nextHttp : FreePort.From(nextHttp);
            var silo = FreePort.From(nextSilo);
            var gateway = FreePort.From(nextGateway);
            (nextHttp, nextSilo, nextGateway) = (http + 1, silo + 1, gateway + 1);
            ports.Add(new SiloPorts(http, silo, gateway));
        }

        var description = new ClusterDescription
        {
            Silos = silos,
            RedisConnectionString = redisConnection,
            Redis = new RedisOptions
            {
                Port = FreePort.From(6380),
                Directory = Path.Combine(stateDirectory, "redis"),
                LogPath = Path.Combine(stateDirectory, "redis", "redis.log"),
            },
            KafkaBootstrapServers = kafka,
            Topic = topic,
            Partitions = partitions,
            ChangelogTopic = changelog,
            LogDirectory = stateDirectory,
            Silo = (i, silo) => silo with
            {
                HttpPort = ports[i].HttpPort,
                SiloPort = ports[i].SiloPort,
                GatewayPort = ports[i].GatewayPort,
                InheritConfiguration = true,
            },
            Log = Log,
        };

        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(description, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Log("stopped");
            return 130;
        }
        catch (SiloExitedException ex) when (ex.ExitCode == 2)
        {
            // The silo refused to start with one line saying why (a setting, a port in use).
            return Fail($"{ex.SiloName}: {ex.LastLine}", 2);
        }
        catch (Exception ex) when (ex is SiloExitedException or TimeoutException or InvalidOperationException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return Fail("the system did not start; see the logs in " + stateDirectory);
        }

        await using (cluster)
        {
            await WriteEndpointsAsync(Path.Combine(stateDirectory, "endpoints.json"), cluster, topic, deadLetterTopic, changelog);
            Console.Write(Banner(cluster, topic, partitions, deadLetterTopic, changelog, stateDirectory));
            if (ChildProcess.Which("kcat") is null)
            {
                Console.WriteLine("(kcat is not installed; apt-get install -y kcat)");
            }

            // Runs until every silo has exited (a silo killed by hand leaves the others serving) or a signal arrives.
            var running = cluster.Silos.ToDictionary(s => s.Process.WaitForExitAsync(CancellationToken.None), s => s);
            var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            while (running.Count > 0)
            {
                var done = await Task.WhenAny(running.Keys.Append(stopped));
                if (done == stopped)
                {
                    break;
                }

                var silo = running[(Task)done];
                running.Remove((Task)done);
                Log($"{silo.Name} (pid {silo.Id}) exited");
            }

            Log("stopping");
        }

        return stop.IsCancellationRequested ? 130 : 0;
    }

    private static int HttpPortTaken(int port) =>
        Fail($"port {port} is already in use (another ./hotdata up may be running): choose another with --http-port N, or --http-port 0 for free ones", 2);

    private static string Banner(LocalCluster cluster, string topic, int partitions, string deadLetterTopic, string changelog, string stateDirectory)
    {
        var silos = cluster.Silos;
        var http = silos[0].HttpUrl;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"OrleansHotData is running with {silos.Count} silo{(silos.Count > 1 ? "s" : "")} (open on loopback, no authentication: development only).");
        foreach (var silo in silos)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  HTTP API   {silo.HttpUrl}/v1/keys/{{key}}   ({silo.Name}, pid {silo.Id})");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $$"""
              Watch      curl -N {{http}}/v1/keys/{key}/watch   (Server-Sent Events)
              OpenAPI    {{http}}/openapi/v1.json
              Dashboard  {{http}}/dashboard/   (Orleans: silos, grains, calls)
              Operations {{http}}/ops   (ingest rate, dead letters, Kafka lag, API rates and latency)
              Metrics    {{http}}/metrics   (Prometheus)
              Health     {{http}}/health/ready   {{http}}/health/live
              Redis      {{cluster.RedisConnectionString}}
              Kafka      {{cluster.KafkaBootstrapServers}}  (topic {{topic}}, {{partitions}} partitions; dead letters on {{deadLetterTopic}}; changelog {{changelog}})
              Endpoints  {{Path.Combine(stateDirectory, "endpoints.json")}}
            Try: curl -X PUT {{http}}/v1/keys/hello --json '{"n":1}' && curl {{silos[^1].HttpUrl}}/v1/keys/hello
                 echo 'greeting|{"text":"hi"}' | kcat -P -b {{cluster.KafkaBootstrapServers}} -t {{topic}} -K'|' && sleep 1 && curl {{http}}/v1/keys/greeting
            Logs: tail -f {{stateDirectory}}/silo-*.log
            Press Ctrl-C to stop.
            """);
        return text.ToString();
    }

    private static async Task WriteEndpointsAsync(string path, LocalCluster cluster, string topic, string deadLetterTopic, string changelog)
    {
        var http = cluster.Silos[0].HttpUrl;
        await using var stream = File.Create(path);
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("http", http);
        json.WriteString("openapi", http + "/openapi/v1.json");
        json.WriteString("dashboard", http + "/dashboard/");
        json.WriteString("operations", http + "/ops");
        json.WriteString("metrics", http + "/metrics");
        json.WriteString("ready", http + "/health/ready");
        json.WriteString("live", http + "/health/live");
        json.WriteString("redis", cluster.RedisConnectionString);
        json.WriteString("kafka", cluster.KafkaBootstrapServers);
        json.WriteString("topic", topic);
        json.WriteString("deadLetterTopic", deadLetterTopic);
        json.WriteString("changelogTopic", changelog);
        json.WriteStartArray("gateways");
        foreach (var silo in cluster.Silos)
        {
            json.WriteStringValue($"127.0.0.1:{silo.GatewayPort}");
        }

        json.WriteEndArray();
        json.WriteStartArray("silos");
        foreach (var silo in cluster.Silos)
        {
            json.WriteStartObject();
            json.WriteString("name", silo.Name);
            json.WriteString("http", silo.HttpUrl);
            json.WriteNumber("siloPort", silo.SiloPort);
            json.WriteNumber("gatewayPort", silo.GatewayPort);
            json.WriteNumber("pid", silo.Id);
            json.WriteString("log", silo.LogPath);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static int? ParseInt(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static void Log(string line) => Console.Error.WriteLine("[hotdata] " + line);

    private static int Fail(string message, int code = 1)
    {
        Console.Error.WriteLine("[hotdata] error: " + message);
        return code;
    }
}
