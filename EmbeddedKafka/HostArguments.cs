using System.Globalization;

namespace OrleansHotData.EmbeddedKafka;

/// <summary>The command line of the stand-alone broker process.</summary>
internal sealed class HostArguments
{
    internal const string Usage =
        "usage: OrleansHotData.EmbeddedKafka [--topic NAME:PARTITIONS]... [--with-dlq] [--brokers N] [--endpoints-file PATH] [--bootstrap-port PORT] [--bootstrap-address IP] [--sasl-users-file PATH [--sasl-mechanisms LIST]]";

    /// <summary>Topics to create, in command-line order, dead-letter topics included.</summary>
    internal IReadOnlyList<TopicSpec> Topics { get; private init; } = [];

    internal int Brokers { get; private init; } = 1;

    internal string? EndpointsFile { get; private init; }

    internal bool ShowHelp { get; private init; }

    /// <summary>A fixed port that relays to the first broker, for clients configured before the broker starts; none when null.</summary>
    internal int? BootstrapPort { get; private init; }

    /// <summary>The address <see cref="BootstrapPort"/> listens on. Default 127.0.0.1.</summary>
    internal System.Net.IPAddress BootstrapAddress { get; private init; } = System.Net.IPAddress.Loopback;

    /// <summary>A file of <c>user:password</c> lines; when set, clients must authenticate with SASL. None when null.</summary>
    internal string? SaslUsersFile { get; private init; }

    /// <summary>The SASL mechanisms offered (default: all supported), used with <see cref="SaslUsersFile"/>.</summary>
    internal IReadOnlyList<string> SaslMechanisms { get; private init; } = Sasl.SaslMechanisms.All;

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> is one sentence for the user.</summary>
    internal static bool TryParse(IReadOnlyList<string> args, out HostArguments? parsed, out string? error)
    {
        parsed = null;
        var topics = new List<TopicSpec>();
        var brokers = 1;
        string? endpointsFile = null;
        var withDeadLetter = false;
        int? bootstrapPort = null;
        var bootstrapAddress = System.Net.IPAddress.Loopback;
        string? saslUsersFile = null;
        IReadOnlyList<string>? saslMechanisms = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    parsed = new HostArguments { ShowHelp = true };
                    error = null;
                    return true;
                case "--with-dlq":
                    withDeadLetter = true;
                    continue;
                case "--topic" or "--brokers" or "--endpoints-file" or "--bootstrap-port" or "--bootstrap-address" or "--sasl-users-file" or "--sasl-mechanisms":
                    break;
                default:
                    error = $"unknown argument '{arg}'.";
                    return false;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{arg} needs a value.";
                return false;
            }

            var value = args[++i];
            switch (arg)
            {
                case "--topic":
                    if (!TopicSpec.TryParse(value, out var spec, out error))
                    {
                        return false;
                    }

                    topics.Add(spec!);
                    break;
                case "--brokers":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out brokers) || brokers is < 1 or > 64)
                    {
                        error = $"--brokers '{value}': expected a whole number from 1 to 64.";
                        return false;
                    }

                    break;
                case "--bootstrap-port":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                    {
                        error = $"--bootstrap-port '{value}': expected a port number from 1 to 65535.";
                        return false;
                    }

                    bootstrapPort = port;
                    break;
                case "--bootstrap-address":
                    if (!System.Net.IPAddress.TryParse(value, out var parsedAddress))
                    {
                        error = $"--bootstrap-address '{value}': expected an IP address such as 127.0.0.1.";
                        return false;
                    }

                    bootstrapAddress = parsedAddress;
                    break;
                case "--sasl-mechanisms":
                    var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                        .Select(static n => n.ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToList();
                    var unknown = names.FirstOrDefault(static n => !Sasl.SaslMechanisms.All.Contains(n, StringComparer.Ordinal));
                    if (names.Count == 0 || unknown is not null)
                    {
                        error = $"--sasl-mechanisms '{value}': expected a comma-separated list of {string.Join(", ", Sasl.SaslMechanisms.All)}.";
                        return false;
                    }

                    saslMechanisms = names;
                    break;
                default:
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        error = $"{arg} needs a path.";
                        return false;
                    }

                    if (arg == "--sasl-users-file")
                    {
                        saslUsersFile = value;
                    }
                    else
                    {
                        endpointsFile = value;
                    }

                    break;
            }
        }

        if (withDeadLetter)
        {
            topics.AddRange(topics.ToList().Select(static t => t with { Name = t.Name + ".dlq" }));
        }

        if (saslMechanisms is not null && saslUsersFile is null)
        {
            error = "--sasl-mechanisms needs --sasl-users-file.";
            return false;
        }

        var duplicate = topics.GroupBy(static t => t.Name, StringComparer.Ordinal).FirstOrDefault(static g => g.Count() > 1);
        if (duplicate is not null)
        {
            error = $"topic '{duplicate.Key}' is given more than once.";
            return false;
        }

        parsed = new HostArguments
        {
            Topics = topics,
            Brokers = brokers,
            EndpointsFile = endpointsFile,
            BootstrapPort = bootstrapPort,
            BootstrapAddress = bootstrapAddress,
            SaslUsersFile = saslUsersFile,
            SaslMechanisms = saslMechanisms ?? Sasl.SaslMechanisms.All,
        };
        error = null;
        return true;
    }
}
