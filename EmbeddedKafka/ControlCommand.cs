using System.Globalization;
using Microsoft.Extensions.Logging;

namespace OrleansHotData.EmbeddedKafka;

/// <summary>
/// One line typed on the broker process's standard input: <c>down [id]</c>, <c>up [id]</c>, <c>rtt ID MS</c>,
/// <c>topic NAME:PARTITIONS</c>. These let a person or a test script inject faults into a running broker.
/// </summary>
internal static class ControlCommand
{
    internal const string Help = "commands: down [id] | up [id] | rtt ID MS | topic NAME:PARTITIONS (id -1 or none = all brokers)";

    /// <summary>Runs <paramref name="line"/> against <paramref name="cluster"/>; returns false for a line it does not understand.</summary>
    internal static bool TryExecute(EmbeddedKafkaCluster cluster, string line, ILogger logger)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return true;
        }

        switch (words[0].ToLowerInvariant())
        {
            case "down" when words.Length <= 2 && TryBrokerId(words, 1, out var id):
                cluster.SetBrokerDown(id);
                HostLog.BrokerDown(logger, id);
                return true;
            case "up" when words.Length <= 2 && TryBrokerId(words, 1, out var id):
                cluster.SetBrokerUp(id);
                HostLog.BrokerUp(logger, id);
                return true;
            case "rtt" when words.Length == 3 && TryBrokerId(words, 1, out var id)
                            && int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms):
                cluster.SetBrokerRoundTripTime(id, ms);
                HostLog.RoundTripTimeSet(logger, id, ms);
                return true;
            case "topic" when words.Length == 2 && TopicSpec.TryParse(words[1], out var spec, out _):
                cluster.CreateTopic(spec!.Name, spec.Partitions);
                HostLog.TopicCreated(logger, spec.Name, spec.Partitions);
                return true;
            case "help":
                HostLog.CommandHelp(logger, Help);
                return true;
            default:
                return false;
        }
    }

    private static bool TryBrokerId(string[] words, int index, out int id)
    {
        id = -1;
        return words.Length <= index
            || int.TryParse(words[index], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id);
    }
}
