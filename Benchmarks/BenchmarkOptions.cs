using System.Globalization;

namespace OrleansHotData.Benchmarks;

/// <summary>The command line of the benchmark.</summary>
public sealed class BenchmarkOptions
{
    // The near-cache kill scenario last: it leaves its cluster one silo short.
    public static readonly string[] AllScenarios = ["ingest", "changelog", "consistency", "read", "freshness", "memory", "near-cache-kill"];

    public const string Usage = """
        Usage: ./hotdata bench [options]

        Starts its own redis-server, the embedded Kafka broker and a cluster of two silo processes, measures each
        scenario beside its baseline on the same broker and Redis, prints one table and writes it to
        .hotdata/bench/results.json and results.md.

        Options:
          --quick                 a short smoke run (small workloads, 2 s measurements)
          --duration SECONDS      length of each timed measurement (read, freshness); default 10
          --scenarios LIST        comma-separated subset of: ingest, changelog, consistency, read, freshness,
                                  memory, near-cache-kill (default: all; they run in this order). changelog: ingest
                                  with the changelog on vs off, interleaved on fresh clusters
          --records N             records per ingest run (default 100000; quick 20000)
          --memory-keys N         keys activated by the memory scenario (default 100000; quick 10000)
          --warmup-records N      incr records fed through Kafka to each new cluster before it is measured, so the
                                  silos are past the JIT's tiering (default 60000; quick 2000)
          --freshness-rate N      records per second of the freshness scenario (default 10000); it also runs at a fifth of it
          --no-classic            leave the classic consumer out of the ingest scenario (its cut-off run takes 90 s per
                                  key distribution); for quick A/B runs against the tuned loop
          --silo PATH             run this build of the silo (OrleansHotData.Silo.dll) instead of Silo/bin/Release,
                                  to compare two builds on the same machine
          --help                  this text
        """;

    public bool Quick { get; private set; }

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan WarmUp => Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(2);

    public IReadOnlySet<string> Scenarios { get; private set; } = new HashSet<string>(AllScenarios, StringComparer.Ordinal);

    public int IngestRecords { get; private set; } = 100_000;

    public int IngestKeys => Quick ? 2_000 : 10_000;

    /// <summary>Records fed through Kafka to each new cluster before it is measured.</summary>
    public int WarmUpRecords { get; private set; } = 60_000;

    public int MemoryKeys { get; private set; } = 100_000;

    public int ConsistencyKafkaRecords => Quick ? 2_000 : 10_000;

    public int ConsistencyApiWrites => Quick ? 400 : 2_000;

    public int ReadKeys => Quick ? 2_000 : 10_000;

    public int Callers { get; private set; } = 64;

    public int FreshnessRate { get; private set; } = 10_000;

    /// <summary>Whether the ingest scenario also runs the classic consumer (one awaited round trip per record).</summary>
    public bool ClassicBaseline { get; private set; } = true;

    public bool ShowHelp { get; private set; }

    /// <summary>Another build of the silo to run; <see langword="null"/> for the repository's Release build.</summary>
    public string? SiloAssembly { get; private set; }

    public string CommandLine { get; private set; } = "./hotdata bench";

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with one sentence on a bad option.</summary>
    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions { CommandLine = args.Length == 0 ? "./hotdata bench" : "./hotdata bench " + string.Join(' ', args) };
        int? records = null, memoryKeys = null, warmUpRecords = null;
        double? duration = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--no-classic":
                    options.ClassicBaseline = false;
                    break;
                case "--quick":
                    options.Quick = true;
                    break;
                case "--duration":
                    duration = PositiveNumber("--duration", Value());
                    break;
                case "--records":
                    records = (int)PositiveNumber("--records", Value());
                    break;
                case "--memory-keys":
                    memoryKeys = (int)PositiveNumber("--memory-keys", Value());
                    break;
                case "--warmup-records":
                    warmUpRecords = (int)NonNegativeNumber("--warmup-records", Value());
                    break;
                case "--scenarios":
                    var chosen = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    foreach (var name in chosen.Where(n => !AllScenarios.Contains(n)))
                    {
                        throw new ArgumentException($"--scenarios: unknown scenario '{name}'; choose from {string.Join(", ", AllScenarios)}.");
                    }

                    options.Scenarios = new HashSet<string>(chosen, StringComparer.Ordinal);
                    break;
                case "--freshness-rate":
                    options.FreshnessRate = (int)PositiveNumber("--freshness-rate", Value());
                    break;
                case "--silo":
                    options.SiloAssembly = Path.GetFullPath(Value());
                    if (!File.Exists(options.SiloAssembly))
                    {
                        throw new ArgumentException($"--silo: {options.SiloAssembly} does not exist.");
                    }

                    break;
                case "--help" or "-h":
                    options.ShowHelp = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'; see --help.");
            }
        }

        if (options.Quick)
        {
            options.Duration = TimeSpan.FromSeconds(2);
            options.IngestRecords = 20_000;
            options.MemoryKeys = 10_000;
            options.WarmUpRecords = 2_000;
        }

        options.Duration = duration is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Duration;
        options.IngestRecords = records ?? options.IngestRecords;
        options.MemoryKeys = memoryKeys ?? options.MemoryKeys;
        options.WarmUpRecords = warmUpRecords ?? options.WarmUpRecords;
        return options;
    }

    private static double NonNegativeNumber(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ArgumentException($"{option} must be zero or a positive number, not '{text}'.");

    private static double PositiveNumber(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} must be a positive number, not '{text}'.");
}
