using System.Globalization;
using System.Net;
using System.Text;
using Confluent.Kafka;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// The Kafka half of the randomized input test: generated records (values, tombstones, the headers
/// <c>hotdata-op</c>/<c>hotdata-version</c>/<c>hotdata-ttl</c>, keys) produced in order, each key's records to one
/// partition, the model advanced as each is generated. The documented rules it checks: an unusable record is
/// dead-lettered with a <c>dead-letter-reason</c> naming why (missing-key, key-not-utf8, invalid-key, unknown-operation,
/// missing-value, invalid-value, invalid-change, invalid-version, invalid-ttl, value-too-large); a record whose
/// upstream version is not newer than the newest the key handled (deletes of absent keys included) is skipped; every
/// other record applies as the model says; nothing else is dead-lettered; and a probe produced behind the inputs on every
/// partition becomes visible.
/// </summary>
public sealed class KafkaInputSequence(InputGenerator generator, RobustnessFixture fixture, string prefix, FailureLog failures)
{
    private static readonly string[] KeyVariants = ["", "-ключ", "-😀", "-e\u0301", "-שלום", "-a/b", "-50%", "-sp ace", "-\u202Ertl", "-日本"];
    private static readonly string[] LegalTtls = ["86400", "5184000", "157680000", "315360000"];
    private static readonly string[] IllegalTtls = ["0", "-1", "315360001", "abc", "2147483648", "99999999999999999999", "1.5", "", "1e3", "-2147483649"];
    private static readonly string[] IllegalVersions = ["abc", "1.5", "99999999999999999999", "", "0x10", "9223372036854775808", "-9223372036854775809", "1e3", "٣"];
    private static readonly string[] UnknownOperations = ["upsert", "merge", "increment", "del", "sett", "🙂", "set;patch", "remove"];
    private static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC3, 0x28], [0x80, 0x81], [0xED, 0xA0, 0x80]];

    private readonly List<GeneratedRecord> _records = [];
    private readonly List<KeyModel> _keys = [];
    private readonly List<string> _expiringKeys = [];

    /// <summary>How many records of each kind were produced, by what the rules say becomes of them.</summary>
    public string Coverage => string.Join("\n", _records
        .GroupBy(r => r.DeadLetterReasons is { } reasons ? $"dead-lettered {string.Join("/", reasons)}" : r.Outcome.Split(" → ")[0].Split(" at upstream")[0].Split(" (version")[0])
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"  {g.Count(),4} × {g.Key}"));

    /// <summary>Generates <paramref name="count"/> records over <paramref name="keyCount"/> keys and produces them in order.</summary>
    public async Task ProduceAsync(int count, int keyCount)
    {
        _keys.AddRange(Enumerable.Range(0, keyCount).Select(i => new KeyModel($"{prefix}-k{i}{KeyVariants[i % KeyVariants.Length]}")));
        while (_records.Count < count)
        {
            if (Generate(_records.Count) is { } record)
            {
                _records.Add(record);
            }
        }

        for (var i = 0; i < 2; i++)
        {
            // A one-second TTL through the header: applied, then expired.
            var key = $"{prefix}-kttl{i}";
            _expiringKeys.Add(key);
            var document = GeneratedDocument.Valid(generator.Counter(), generator.Layout(), "counter");
            _records.Add(new GeneratedRecord(_records.Count, Encoding.UTF8.GetBytes(key), document.Bytes, [(HotDataHeaders.Ttl, "1"u8.ToArray())], null, "applied, then expired", document));
        }

        var deliveries = _records.Select(r => fixture.ByteProducer.ProduceAsync(fixture.Topic, ToMessage(r))).ToList();
        for (var i = 0; i < deliveries.Count; i++)
        {
            var delivery = await deliveries[i];
            _records[i].Position = (delivery.Partition.Value, delivery.Offset.Value);
        }

        // The probes: one per partition, produced to it explicitly, behind everything above.
        for (var p = 0; p < RobustnessFixture.Partitions; p++)
        {
            await fixture.ByteProducer.ProduceAsync(new TopicPartition(fixture.Topic, new Partition(p)), new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(ProbeKey(p)),
                Value = Encoding.UTF8.GetBytes($"{{\"probe\":{p}}}"),
            });
        }
    }

    /// <summary>
    /// Waits until every probe is visible, every key matches the model and every expected dead letter has arrived
    /// (or <paramref name="timeout"/> passes), then reports what did not, and every dead letter the rules do not call for.
    /// </summary>
    public async Task VerifyAsync(IReadOnlyList<HttpClient> http, TimeSpan timeout)
    {
        var expected = _records.Where(r => r.DeadLetterReasons is not null).ToDictionary(r => r.Position);
        var byPosition = _records.ToDictionary(r => r.Position);
        var found = new Dictionary<(int, long), string>();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(fixture.KafkaConfigs.Consumer("fuzz-dlq-" + Guid.NewGuid().ToString("N"))).Build();
        consumer.Assign(Enumerable.Range(0, RobustnessFixture.Partitions).Select(p => new TopicPartitionOffset(fixture.DeadLetterTopic, p, Offset.Beginning)));
        var unexpected = new List<(string Rule, string Detail)>();
        var repeats = new Dictionary<(int, long), int>();

        void Drain(TimeSpan wait)
        {
            while (consumer.Consume(wait) is { } result)
            {
                wait = TimeSpan.Zero;
                var headers = result.Message.Headers;
                string? Header(string name) => headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
                var reason = Header("dead-letter-reason") ?? "(no dead-letter-reason header)";
                if (!int.TryParse(Header("dead-letter-partition"), CultureInfo.InvariantCulture, out var partition)
                    || !long.TryParse(Header("dead-letter-offset"), CultureInfo.InvariantCulture, out var offset))
                {
                    unexpected.Add(("a dead letter names its source position", $"a dead letter without its source position: reason {reason}"));
                    continue;
                }

                if (!found.TryAdd((partition, offset), reason))
                {
                    repeats[(partition, offset)] = repeats.GetValueOrDefault((partition, offset), 1) + 1;
                }
                else if (!expected.TryGetValue((partition, offset), out var record))
                {
                    unexpected.Add(("only records the rules refuse are dead-lettered", $"dead-lettered ({reason}) though the rules say: {(byPosition.TryGetValue((partition, offset), out var r) ? r : $"p{partition}@{offset}")}"));
                }
                else if (!record.DeadLetterReasons!.Any(p => reason.StartsWith(p, StringComparison.Ordinal)))
                {
                    unexpected.Add(("a dead letter's reason names the rule", $"dead-lettered with reason \"{reason}\", the rules give {string.Join(" or ", record.DeadLetterReasons!)}: {record}"));
                }
            }
        }

        async Task<bool> ProbesVisible() => (await Task.WhenAll(Enumerable.Range(0, RobustnessFixture.Partitions).Select(async p => (await ReadAsync(http, ProbeKey(p))).Status == HttpStatusCode.OK))).All(v => v);

        async Task<List<KeyModel>> Mismatched()
        {
            var wrong = new List<KeyModel>();
            foreach (var model in _keys)
            {
                if (!HttpInputSequence.ReadMatches(model.Value, model.Version, await ReadAsync(http, model.Key)))
                {
                    wrong.Add(model);
                }
            }

            return wrong;
        }

        async Task<bool> ExpiredAll() => (await Task.WhenAll(_expiringKeys.Select(async k => (await ReadAsync(http, k)).Status == HttpStatusCode.NotFound))).All(v => v);

        var deadline = DateTime.UtcNow + timeout;
        var probes = await HttpInputSequence.BecomesTrueAsync(ProbesVisible, deadline);
        await HttpInputSequence.BecomesTrueAsync(async () =>
        {
            Drain(TimeSpan.FromMilliseconds(50));
            return expected.Keys.All(found.ContainsKey) && (await Mismatched()).Count == 0 && await ExpiredAll();
        }, deadline);

        // Everything dead-lettered until now, up to the end of the topic, is judged.
        var drainDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var p in Enumerable.Range(0, RobustnessFixture.Partitions))
        {
            var end = consumer.QueryWatermarkOffsets(new TopicPartition(fixture.DeadLetterTopic, p), TimeSpan.FromSeconds(10)).High;
            while (consumer.Position(new TopicPartition(fixture.DeadLetterTopic, p)) is var at && (at == Offset.Unset ? 0 : at.Value) < end.Value && DateTime.UtcNow < drainDeadline)
            {
                Drain(TimeSpan.FromMilliseconds(200));
            }
        }

        if (!probes)
        {
            var stalled = new List<int>();
            for (var p = 0; p < RobustnessFixture.Partitions; p++)
            {
                if ((await ReadAsync(http, ProbeKey(p))).Status != HttpStatusCode.OK)
                {
                    stalled.Add(p);
                }
            }

            failures.Add("no partition stalls", $"Kafka: the probe produced behind the inputs is not visible after {timeout.TotalSeconds:0} s on partitions {string.Join(", ", stalled)} (stalled)");
        }

        foreach (var (rule, detail) in unexpected)
        {
            failures.Add(rule, "Kafka: " + detail);
        }

        foreach (var (position, times) in repeats)
        {
            failures.Add("a record is dead-lettered once", $"Kafka: dead-lettered {times} times ({found[position]}): {byPosition.GetValueOrDefault(position)?.ToString() ?? $"p{position.Item1}@{position.Item2}"}");
        }

        foreach (var record in expected.Values.Where(r => !found.ContainsKey(r.Position)))
        {
            failures.Add("a record the rules refuse is dead-lettered", $"Kafka: not dead-lettered within {timeout.TotalSeconds:0} s: {record}");
        }

        foreach (var model in await Mismatched())
        {
            failures.Add("final state matches the model", $"Kafka key {HttpInputSequence.Show(model.Key)}: final state expected {HttpInputSequence.ShowState(model.Value, model.Version)} (upstream version {model.UpstreamVersion?.ToString(CultureInfo.InvariantCulture) ?? "none"}), got {await ReadAsync(http, model.Key)}\n    records of the key:\n      {model.RecentHistory(40)}");
        }

        foreach (var key in _expiringKeys)
        {
            if (await ReadAsync(http, key) is { Status: not HttpStatusCode.NotFound } read)
            {
                failures.Add("a value expires after its TTL", $"Kafka key {HttpInputSequence.Show(key)}: set with hotdata-ttl 1, still readable after {timeout.TotalSeconds:0} s: {read}");
            }
        }
    }

    private string ProbeKey(int partition) => $"{prefix}-probe-{partition}";

    private static async Task<ReadResult> ReadAsync(IReadOnlyList<HttpClient> http, string key)
    {
        using var response = await http[0].GetAsync(new Uri("/v1/keys/" + Uri.EscapeDataString(key), UriKind.Relative));
        return new ReadResult(response.StatusCode, response.Headers.ETag?.Tag, await response.Content.ReadAsByteArrayAsync());
    }

    private static Message<byte[]?, byte[]?> ToMessage(GeneratedRecord record)
    {
        var message = new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value, Headers = [] };
        foreach (var (name, value) in record.Headers)
        {
            message.Headers.Add(name, value);
        }

        return message;
    }

    private GeneratedRecord? Generate(int index)
    {
        var model = generator.Pick(_keys);
        var key = Encoding.UTF8.GetBytes(model.Key);
        var headers = new List<(string, byte[])>();
        var roll = generator.Random.Next(100);

        // Records with one defect in the key: no stream to route them to.
        if (roll < 5)
        {
            var (badKey, reasons, what) = generator.Random.Next(5) switch
            {
                0 => ((byte[]?)null, new[] { "missing-key" }, "no key"),
                1 => ([.. Encoding.UTF8.GetBytes(prefix + "-bad"), .. generator.Pick(InvalidUtf8)], ["key-not-utf8"], "a key that is not UTF-8"),
                2 => (Encoding.UTF8.GetBytes(prefix + new string('x', 600)), ["invalid-key"], "a key over 512 bytes"),
                3 => (Encoding.UTF8.GetBytes(prefix + "-ctl\u0001"), ["invalid-key"], "a key with a control character"),
                _ => ([], ["missing-key", "invalid-key"], "an empty key"),
            };
            var value = GeneratedDocument.Valid(generator.Counter(), JsonLayout.Compact, "counter");
            return new GeneratedRecord(index, badKey, value.Bytes, headers, reasons, $"dead-lettered: {what}", value);
        }

        // Records with one defect in a header, carrying a well-formed set.
        if (roll < 17)
        {
            var value = GeneratedDocument.Valid(generator.Counter(), generator.Layout(), "counter");
            string[] reasons;
            string what;
            switch (generator.Random.Next(6))
            {
                case 0:
                    var op = generator.Pick(UnknownOperations);
                    headers.Add((HotDataHeaders.Operation, Encoding.UTF8.GetBytes(op)));
                    (reasons, what) = (["unknown-operation"], $"an unknown operation '{op}'");
                    break;
                case 1:
                    headers.Add((HotDataHeaders.Operation, [.. "se"u8, .. generator.Pick(InvalidUtf8)]));
                    (reasons, what) = (["invalid-header", "unknown-operation"], "an operation header that is not UTF-8");
                    break;
                case 2:
                    var version = generator.Pick(IllegalVersions);
                    headers.Add((HotDataHeaders.Version, Encoding.UTF8.GetBytes(version)));
                    (reasons, what) = (["invalid-version"], $"an upstream version '{version}' that is not a 64-bit whole number");
                    break;
                case 3:
                    headers.Add((HotDataHeaders.Version, [.. "1"u8, .. generator.Pick(InvalidUtf8)]));
                    (reasons, what) = (["invalid-header", "invalid-version"], "a version header that is not UTF-8");
                    break;
                case 4:
                    var ttl = generator.Pick(IllegalTtls);
                    headers.Add((HotDataHeaders.Ttl, Encoding.UTF8.GetBytes(ttl)));
                    (reasons, what) = (["invalid-ttl"], $"a TTL '{ttl}' outside 1 s … 10 years");
                    break;
                default:
                    headers.Add((HotDataHeaders.Ttl, [.. "6"u8, .. generator.Pick(InvalidUtf8)]));
                    (reasons, what) = (["invalid-header", "invalid-ttl"], "a TTL header that is not UTF-8");
                    break;
            }

            // An explicit set beside a defective version or TTL header; never a second operation header.
            if (headers[0].Item1 != HotDataHeaders.Operation && generator.Chance(0.5))
            {
                headers.Insert(0, (HotDataHeaders.Operation, "set"u8.ToArray()));
            }

            return Record(index, model, key, value.Bytes, headers, reasons, $"dead-lettered: {what}", value);
        }

        // set, patch or incr without a value.
        if (roll < 21)
        {
            var op = generator.Pick<string>(["set", "patch", "incr"]);
            headers.Add((HotDataHeaders.Operation, Encoding.UTF8.GetBytes(op)));
            return Record(index, model, key, null, headers, ["missing-value"], $"dead-lettered: a {op} without a value", null);
        }

        if (generator.Chance(0.1))
        {
            // Headers outside the contract are not the system's business, whatever their bytes.
            headers.Add(("x-trace", [.. "t-"u8, .. generator.Pick(InvalidUtf8)]));
        }

        var kind = generator.Random.Next(100);
        if (kind >= 85)
        {
            byte[]? deleteValue = null;
            if (generator.Chance(0.4))
            {
                headers.Add((HotDataHeaders.Operation, "delete"u8.ToArray()));
                deleteValue = generator.Chance(0.5) ? "{\"ignored\":true}"u8.ToArray() : null;
            }

            return Versioned(index, model, key, deleteValue, headers, null, model.Value is null ? "nothing to delete" : "deletes", null, deletes: true);
        }

        var operation = kind < 30 ? "set" : kind < 55 ? "patch" : "incr";
        var document = operation switch
        {
            "set" => generator.SetDocument(true, false),
            "patch" => generator.PatchDocument(true, false),
            _ => generator.IncrementDocument(true, false),
        };
        if (operation != "set" || generator.Chance(0.3))
        {
            headers.Add((HotDataHeaders.Operation, Encoding.UTF8.GetBytes(operation)));
        }

        if (generator.Chance(0.12))
        {
            headers.Add((HotDataHeaders.Ttl, Encoding.UTF8.GetBytes(generator.Pick(LegalTtls))));
        }

        var documentReasons = document.Defect switch
        {
            DocumentDefect.None => null,
            DocumentDefect.TooLarge => new[] { "value-too-large" },
            DocumentDefect.InvalidUtf8 => ["invalid-value"],
            // An empty value is no JSON document: the rules allow calling it invalid or missing.
            DocumentDefect.InvalidJson when document.Bytes.Length == 0 => ["invalid-change", "missing-value"],
            _ => ["invalid-change"],
        };
        if (documentReasons is not null)
        {
            return Record(index, model, key, document.Bytes, headers, documentReasons, $"dead-lettered: {document.Defect}", document);
        }

        var (verdict, result) = operation switch
        {
            "set" => JsonChangeModel.Set(document.Tree!, RobustnessFixture.MaxValueBytes),
            "patch" => JsonChangeModel.Patch(model.Value, document.Tree!, RobustnessFixture.MaxValueBytes),
            _ => JsonChangeModel.Increment(model.Value, document.Tree!, RobustnessFixture.MaxValueBytes),
        };
        return verdict switch
        {
            ChangeVerdict.Unsettled => null,
            ChangeVerdict.Invalid => Record(index, model, key, document.Bytes, headers, ["invalid-change"], "dead-lettered: an increment the value cannot take", document),
            _ => Versioned(index, model, key, document.Bytes, headers, document, "applies", result, deletes: false),
        };
    }

    // A record the rules apply (or skip as stale): it may carry an upstream version. Records bound for the dead-letter
    // topic never do, since the rules leave open whether a refused record's version counts.
    private GeneratedRecord Versioned(int index, KeyModel model, byte[] key, byte[]? value, List<(string, byte[])> headers, GeneratedDocument? document, string outcome, ModelJson? result, bool deletes)
    {
        long? version = generator.Random.Next(100) switch
        {
            < 45 => null,
            < 85 => (model.UpstreamVersion is { } u && u < long.MaxValue - 10 ? u : generator.Pick<long>([0, 1, -5, 1_000_000])) + generator.Random.Next(1, 4),
            < 93 => model.UpstreamVersion is { } last ? last - generator.Random.Next(0, 2) : 7,
            < 97 => long.MinValue,
            _ => long.MaxValue,
        };
        if (version is { } v)
        {
            headers.Add((HotDataHeaders.Version, Encoding.UTF8.GetBytes(v.ToString(CultureInfo.InvariantCulture))));
        }

        var stale = version is { } w && model.UpstreamVersion is { } seen && w <= seen;
        string summary;
        if (stale)
        {
            summary = $"skipped as stale (version {version} ≤ {model.UpstreamVersion})";
        }
        else
        {
            if (!deletes || model.Value is not null)
            {
                model.Apply(deletes ? null : result);
            }

            model.UpstreamVersion = version ?? model.UpstreamVersion;
            summary = outcome + (version is null ? "" : $" at upstream version {version}");
        }

        return Record(index, model, key, value, headers, null, summary, document);
    }

    private static GeneratedRecord Record(int index, KeyModel model, byte[] key, byte[]? value, List<(string, byte[])> headers, string[]? reasons, string outcome, GeneratedDocument? document)
    {
        var record = new GeneratedRecord(index, key, value, headers, reasons, outcome + $" → version {model.Version}", document);
        model.History.Add($"#{index} {(headers.Count == 0 ? "" : string.Join(",", headers.Select(h => $"{h.Item1}={GeneratedRecord.Show(h.Item2)}")) + " ")}{(value is null ? "tombstone" : document?.Describe() ?? GeneratedRecord.Show(value))} → {outcome} → version {model.Version}");
        return record;
    }
}
