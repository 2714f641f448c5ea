namespace Orleans.Streaming.Kafka;

/// <summary>
/// One Kafka record header: a name and a raw value. Kafka allows several headers with the same name and keeps
/// their order; so does <see cref="KafkaRecord.Headers"/>.
/// </summary>
/// <param name="Name">The header name.</param>
/// <param name="Value">The raw header value; <see langword="null"/> when the producer sent a header without a value.</param>
[GenerateSerializer]
[Immutable]
[Alias("Orleans.Streaming.Kafka.KafkaHeader")]
public readonly record struct KafkaHeader(
    [property: Id(0)] string Name,
    [property: Id(1)] byte[]? Value);
