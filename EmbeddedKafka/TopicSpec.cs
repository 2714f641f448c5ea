namespace OrleansHotData.EmbeddedKafka;

/// <summary>A topic to create at start-up, written <c>NAME:PARTITIONS</c> on the command line.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="Partitions">The partition count.</param>
internal sealed record TopicSpec(string Name, int Partitions)
{
    /// <summary>Parses <c>NAME:PARTITIONS</c>; a missing count means one partition.</summary>
    internal static bool TryParse(string text, out TopicSpec? spec, out string? error)
    {
        spec = null;
        var separator = text.LastIndexOf(':');
        var name = separator < 0 ? text : text[..separator];
        var count = 1;
        if (separator >= 0 && (!int.TryParse(text[(separator + 1)..], out count) || count < 1))
        {
            error = $"--topic '{text}': the partition count after ':' must be a whole number of at least 1.";
            return false;
        }

        if (!IsValidName(name))
        {
            error = $"--topic '{text}': a topic name is 1 to 249 characters of letters, digits, '.', '_' and '-'.";
            return false;
        }

        spec = new TopicSpec(name, count);
        error = null;
        return true;
    }

    // Kafka's own rule; checking here gives a clear message instead of a broker error later.
    internal static bool IsValidName(string name) =>
        name.Length is > 0 and <= 249
        && name is not "." and not ".."
        && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
