using System.Collections.Immutable;
using System.Text;

namespace Orleans.Streaming.Kafka;

/// <summary>
/// A Kafka record as delivered to stream consumers. The stream it arrives on is
/// <c>StreamId.Create(namespace of <see cref="Topic"/>, <see cref="Key"/>)</c>; its position in Kafka is
/// (<see cref="Topic"/>, <see cref="Partition"/>, <see cref="Offset"/>), which consumers can keep to recognise a
/// redelivered record.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("Orleans.Streaming.Kafka.KafkaRecord")]
public sealed record KafkaRecord
{
    /// <summary>The topic the record was read from.</summary>
    [Id(0)]
    public required string Topic { get; init; }

    /// <summary>The partition of <see cref="Topic"/> the record was read from.</summary>
    [Id(1)]
    public required int Partition { get; init; }

    /// <summary>The record's offset in its partition.</summary>
    [Id(2)]
    public required long Offset { get; init; }

    /// <summary>The record key, decoded as UTF-8. It is also the key of the stream the record is delivered on.</summary>
    [Id(3)]
    public required string Key { get; init; }

    /// <summary>The raw record value; <see langword="null"/> for a tombstone.</summary>
    [Id(4)]
    public byte[]? Value { get; init; }

    /// <summary>The record headers in the order the producer wrote them, duplicates included.</summary>
    [Id(5)]
    public ImmutableArray<KafkaHeader> Headers { get; init; } = [];

    /// <summary>The record timestamp (create or log-append time, as the topic is configured), in UTC.</summary>
    [Id(6)]
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Whether the record is a tombstone, i.e. has a <see langword="null"/> value.</summary>
    public bool IsTombstone => Value is null;

    /// <summary>
    /// Gets the value of the last header named <paramref name="name"/> (Kafka's usual "last one wins" reading).
    /// </summary>
    /// <param name="name">The header name, compared ordinally.</param>
    /// <param name="value">The raw header value, which may itself be <see langword="null"/>.</param>
    /// <returns><see langword="true"/> if a header with that name exists.</returns>
    public bool TryGetHeader(string name, out byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var headers = Headers.IsDefault ? [] : Headers;
        for (var i = headers.Length - 1; i >= 0; i--)
        {
            if (string.Equals(headers[i].Name, name, StringComparison.Ordinal))
            {
                value = headers[i].Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>
    /// Gets the value of the last header named <paramref name="name"/>, decoded as UTF-8.
    /// </summary>
    /// <param name="name">The header name, compared ordinally.</param>
    /// <returns>The decoded value, or <see langword="null"/> if there is no such header or it has no value.</returns>
    public string? GetHeaderAsString(string name) =>
        TryGetHeader(name, out var value) && value is not null ? Encoding.UTF8.GetString(value) : null;

    /// <summary>Gets the value decoded as UTF-8, or <see langword="null"/> for a tombstone.</summary>
    /// <returns>The decoded value.</returns>
    public string? GetValueAsString() => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Topic}[{Partition}]@{Offset} key={Key} value={(Value is null ? "<tombstone>" : $"{Value.Length} bytes")} headers={(Headers.IsDefault ? 0 : Headers.Length)}";
}
