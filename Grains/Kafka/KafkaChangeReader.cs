using System.Globalization;
using System.Text;
using Orleans.Streaming.Kafka;

namespace OrleansHotData.Grains.Kafka;

/// <summary>
/// Reads a Kafka record by the hot-data wire contract: the key is the entity key; a JSON value with no operation
/// header sets the value; a null value deletes; <c>hotdata-op</c>, <c>hotdata-version</c> and <c>hotdata-ttl</c>
/// refine it. Pure: the record in, a change or a dead-letter reason out.
/// </summary>
public static class KafkaChangeReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="record">The record.</param>
    /// <param name="maxKeyBytes">The longest key, in UTF-8 bytes.</param>
    /// <param name="maxValueBytes">The largest value, in bytes.</param>
    /// <param name="maxTtl">The longest time to live a record may give; <see cref="HotDataConstants.DefaultMaxTtl"/> when not given.</param>
    public static RecordDecision Read(KafkaRecord record, int maxKeyBytes, int maxValueBytes, TimeSpan? maxTtl = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (HotDataKey.Validate(record.Key, maxKeyBytes) is { } keyError)
        {
            return RecordDecision.DeadLetter($"invalid-key: {keyError}");
        }

        if (!TryHeader(record, HotDataHeaders.Operation, out var opText, out var headerError)
            || !TryHeader(record, HotDataHeaders.Version, out var versionText, out headerError)
            || !TryHeader(record, HotDataHeaders.Ttl, out var ttlText, out headerError))
        {
            return RecordDecision.DeadLetter(headerError!);
        }

        long? upstreamVersion = null;
        if (versionText is not null)
        {
            if (!long.TryParse(versionText, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var v))
            {
                return RecordDecision.DeadLetter($"invalid-version: '{versionText}' is not a whole number.");
            }

            upstreamVersion = v;
        }

        ChangeOperation operation;
        switch (opText?.Trim().ToUpperInvariant())
        {
            case null or "": operation = record.Value is null ? ChangeOperation.Delete : ChangeOperation.Set; break;
            case "SET": operation = ChangeOperation.Set; break;
            case "PATCH": operation = ChangeOperation.Patch; break;
            case "INCR": operation = ChangeOperation.Increment; break;
            case "DELETE": operation = ChangeOperation.Delete; break;
            default: return RecordDecision.DeadLetter($"unknown-operation: '{opText}' is not set, patch, incr or delete.", upstreamVersion);
        }

        TimeSpan? ttl = null;
        if (ttlText is not null)
        {
            var longest = maxTtl ?? HotDataConstants.DefaultMaxTtl;
            if (!long.TryParse(ttlText, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var seconds)
                || seconds < 1 || seconds > longest.TotalSeconds)
            {
                return RecordDecision.DeadLetter(
                    $"invalid-ttl: '{ttlText}' is not a whole number of seconds from 1 to {longest.TotalSeconds:0} ({longest.TotalDays:0} days).",
                    upstreamVersion);
            }

            ttl = TimeSpan.FromSeconds(seconds);
        }

        if (operation == ChangeOperation.Delete)
        {
            return RecordDecision.Apply(new HotDataChange(ChangeOperation.Delete, UpstreamVersion: upstreamVersion));
        }

        if (record.Value is null)
        {
            return RecordDecision.DeadLetter($"missing-value: a {opText} record needs a JSON value.", upstreamVersion);
        }

        if (record.Value.Length > maxValueBytes)
        {
            return RecordDecision.DeadLetter($"value-too-large: the value is {record.Value.Length} bytes; the limit is {maxValueBytes}.", upstreamVersion);
        }

        string json;
        try
        {
            json = StrictUtf8.GetString(record.Value);
        }
        catch (DecoderFallbackException)
        {
            return RecordDecision.DeadLetter("invalid-value: the value is not valid UTF-8.", upstreamVersion);
        }

        return RecordDecision.Apply(new HotDataChange(operation, json, ttl, ExpectedVersion: null, upstreamVersion));
    }

    private static bool TryHeader(KafkaRecord record, string name, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!record.TryGetHeader(name, out var bytes) || bytes is null)
        {
            return true;
        }

        try
        {
            value = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            error = $"invalid-header: {name} is not valid UTF-8.";
            return false;
        }
    }
}
