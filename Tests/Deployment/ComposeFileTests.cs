using System.Diagnostics;
using OrleansHotData.Tests.Containers;
using OrleansHotData.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// The compose files checked without an engine: docker-compose accepts them, every setting they give a silo is one
/// the silo reads, Redis requires the password the silos send, the images are pinned, and the test override swaps
/// only what cannot run where the tests run. (<see cref="ComposeClusterTests"/> runs them in a Docker engine.)
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ComposeFileTests
{
    private static string Root => ProjectOutput.RepositoryRoot();

    private static string ComposeFile => Path.Combine(Root, "docker-compose.yml");

    private static string TestOverrideFile => Path.Combine(Root, "docker-compose.test.yml");

    [Fact]
    public async Task Docker_compose_accepts_the_file()
    {
        var (code, errors) = await ComposeConfigAsync("-f", ComposeFile);
        Assert.True(code == 0, $"docker-compose config failed: {errors}");
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file_with_the_test_override()
    {
        var (code, errors) = await ComposeConfigAsync("-f", ComposeFile, "-f", TestOverrideFile);
        Assert.True(code == 0, $"docker-compose config failed: {errors}");
    }

    [Fact]
    public async Task Docker_compose_refuses_the_file_without_a_redis_password()
    {
        var (code, errors) = await ComposeConfigAsync(withRedisPassword: false, "-f", ComposeFile);
        Assert.NotEqual(0, code);
        Assert.Contains("REDIS_PASSWORD", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_passed_to_a_silo_is_one_the_silo_reads()
    {
        var silos = SiloServices(Load(ComposeFile));
        Assert.Equal(3, silos.Count);
        foreach (var (service, definition) in silos)
        {
            var environment = Environment(definition);
            Assert.NotEmpty(environment);
            foreach (var name in environment.Keys)
            {
                Assert.True(SiloSettingNames.IsReadBySiloVariable(name, out var why), $"{service}: {name} is not a setting the silo reads ({why}).");
            }
        }
    }

    [Fact]
    public void Every_setting_the_test_override_passes_to_a_silo_is_one_the_silo_reads()
    {
        var services = Services(Load(TestOverrideFile));
        foreach (var service in SiloServices(Load(ComposeFile)).Select(s => s.Name))
        {
            var environment = Environment(Service(services, service));
            Assert.NotEmpty(environment);
            foreach (var name in environment.Keys)
            {
                Assert.True(SiloSettingNames.IsReadBySiloVariable(name, out var why), $"test override, {service}: {name} is not a setting the silo reads ({why}).");
            }
        }
    }

    [Theory]
    [InlineData("Orleans:Endpoints:SiloPort", true)]
    [InlineData("Kafka:Topics:0:Partitions", true)]
    [InlineData("Kafka:ClientConfig:security.protocol", true)]
    [InlineData("HotData:MaxValueBytes", true)]
    [InlineData("ConnectionStrings:Redis", true)]
    [InlineData("Orleans:Endpoints:SiloPrt", false)]
    [InlineData("Kafka:Topic:Name", false)]
    [InlineData("Redis:ConnectionString", false)]
    public void The_check_tells_settings_from_typos(string key, bool read) => Assert.Equal(read, SiloSettingNames.IsReadBySilo(key, out _));

    [Fact]
    public void Redis_requires_a_password_and_every_silo_sends_it()
    {
        var document = Load(ComposeFile);
        var redis = Service(Services(document), "redis");
        Assert.Contains("--requirepass \"$$REDIS_PASSWORD\"", Command(redis), StringComparison.Ordinal);
        Assert.StartsWith("${REDIS_PASSWORD:?", Environment(redis)["REDIS_PASSWORD"], StringComparison.Ordinal);
        foreach (var (service, definition) in SiloServices(document))
        {
            var environment = Environment(definition);
            Assert.StartsWith("${REDIS_PASSWORD:?", environment["Redis__Password"], StringComparison.Ordinal);
            Assert.DoesNotContain("password", environment["ConnectionStrings__Redis"], StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Kafka_requires_sasl_and_every_silo_authenticates()
    {
        var document = Load(ComposeFile);
        var kafka = Environment(Service(Services(document), "kafka"));
        // Every listener a client can reach is SASL; the controller listener is only the node's own.
        Assert.Equal("SASL_PLAINTEXT://kafka:9092", kafka["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.DoesNotContain("PLAINTEXT://:", kafka["KAFKA_LISTENERS"].Replace("SASL_PLAINTEXT://:", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("user_hotdata=\"${KAFKA_PASSWORD:?", kafka["KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG"], StringComparison.Ordinal);
        foreach (var (service, definition) in SiloServices(document))
        {
            var environment = Environment(definition);
            Assert.Equal("SASL_PLAINTEXT", environment["Kafka__ClientConfig__security.protocol"]);
            Assert.Equal("hotdata", environment["Kafka__ClientConfig__sasl.username"]);
            Assert.StartsWith("${KAFKA_PASSWORD:?", environment["Kafka__ClientConfig__sasl.password"], StringComparison.Ordinal);
        }

        // Under test the embedded broker requires the same: the override changes neither the protocol nor the credentials.
        var overrides = Services(Load(TestOverrideFile));
        Assert.Contains("--sasl-users-file /run/secrets/kafka-users", Command(Service(overrides, "kafka")), StringComparison.Ordinal);
        foreach (var (service, _) in SiloServices(document))
        {
            Assert.DoesNotContain(Environment(Service(overrides, service)).Keys, k => k.StartsWith("Kafka__ClientConfig__", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_api_is_https_with_a_mounted_certificate_and_only_the_api_is_published()
    {
        var document = Load(ComposeFile);
        var services = Services(document);
        foreach (var (service, definition) in SiloServices(document))
        {
            var environment = Environment(definition);
            Assert.StartsWith("https://", environment["Urls"], StringComparison.Ordinal);
            Assert.Equal("/run/secrets/api-tls-cert", environment["Kestrel__Certificates__Default__Path"]);
            Assert.Equal("/run/secrets/api-tls-key", environment["Kestrel__Certificates__Default__KeyPath"]);
            Assert.Equal(["api-tls-cert", "api-tls-key"], ((List<object>)definition["secrets"]).Cast<string>());
            Assert.EndsWith(":8443", Assert.Single((List<object>)definition["ports"]) as string, StringComparison.Ordinal);
            // Every key has roles: the front-end's cannot open the operator pages.
            Assert.Equal("reader", environment["Security__ApiKeys__0__Roles__0"]);
            Assert.Equal("writer", environment["Security__ApiKeys__0__Roles__1"]);
            Assert.Equal("operator", environment["Security__ApiKeys__1__Roles__0"]);
            Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Security__ApiKeys__", StringComparison.Ordinal) && k.EndsWith("__Name", StringComparison.Ordinal));
        }

        var secrets = (Dictionary<object, object>)document["secrets"];
        Assert.StartsWith("${HOTDATA_TLS_CERT:?", (string)((Dictionary<object, object>)secrets["api-tls-cert"])["file"], StringComparison.Ordinal);
        Assert.StartsWith("${HOTDATA_TLS_KEY:?", (string)((Dictionary<object, object>)secrets["api-tls-key"])["file"], StringComparison.Ordinal);
        foreach (var name in new[] { "redis", "kafka", "kafka-topics" })
        {
            Assert.False(Service(services, name).ContainsKey("ports"), $"{name} publishes a port: only the API may be reachable from outside.");
        }

        // Under test the silos serve HTTPS too, on their loopback ports.
        var overrides = Services(Load(TestOverrideFile));
        foreach (var (service, _) in SiloServices(document))
        {
            Assert.StartsWith("https://127.0.0.1:", Environment(Service(overrides, service))["Urls"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Docker_stops_a_silo_only_after_the_silo_s_own_grace_period()
    {
        foreach (var (service, definition) in SiloServices(Load(ComposeFile)))
        {
            var dockerGrace = ParseDuration((string)definition["stop_grace_period"]);
            var siloGrace = TimeSpan.Parse(Environment(definition)["Shutdown__GracePeriod"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(dockerGrace > siloGrace + TimeSpan.FromSeconds(5), $"{service}: stop_grace_period {dockerGrace} leaves the silo's grace period {siloGrace} no margin.");
            Assert.Equal(ComposeCluster.StopGracePeriod, dockerGrace);
            Assert.Equal(ComposeCluster.SiloGracePeriod, siloGrace);
        }
    }

    [Fact]
    public void Every_image_has_a_pinned_version()
    {
        foreach (var file in new[] { ComposeFile, TestOverrideFile })
        {
            foreach (var (name, definition) in Services(Load(file)))
            {
                if (((Dictionary<object, object>)definition).TryGetValue("image", out var image))
                {
                    var tag = ((string)image).Split(':') is [_, var t] ? t : "";
                    Assert.True(tag.Length > 0 && tag != "latest", $"{Path.GetFileName(file)}, {name}: image '{image}' has no pinned version.");
                }
            }
        }
    }

    [Fact]
    public void The_test_override_keeps_the_silos_images_and_the_redis_command()
    {
        var production = Services(Load(ComposeFile));
        var overrides = Services(Load(TestOverrideFile));
        // The silos run the production image, built from Silo/Dockerfile; only their addresses change.
        foreach (var (service, _) in SiloServices(Load(ComposeFile)))
        {
            var silo = Service(overrides, service);
            Assert.False(silo.ContainsKey("image"), $"{service}: the test override must not swap the silo image.");
            Assert.False(silo.ContainsKey("build"), $"{service}: the test override must not swap the silo image.");
        }

        // Redis runs the production command, with only a loopback address and the test's port added.
        Assert.StartsWith(Command(Service(production, "redis")) + " --bind 127.0.0.1 --port ", Command(Service(overrides, "redis")), StringComparison.Ordinal);
        Assert.Equal(ComposeCluster.SiloImage, (string)Service(production, "silo1")["image"]);
        Assert.Equal(ComposeCluster.BrokerImage, (string)Service(overrides, "kafka")["image"]);
        Assert.Equal(ComposeCluster.RedisImage, (string)Service(overrides, "redis")["image"]);
        Assert.Equal(["kafka", "kafka-topics", "redis", "silo1", "silo2", "silo3"], overrides.Keys.Cast<string>().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_test_broker_makes_every_topic_the_production_topic_job_creates()
    {
        var created = System.Text.RegularExpressions.Regex.Matches(Command(Service(Services(Load(ComposeFile)), "kafka-topics")), @"--topic (\S+) --partitions (\d+)")
            .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}")
            .ToList();
        var arguments = ((List<object>)Service(Services(Load(TestOverrideFile)), "kafka")["command"]).Cast<string>().ToList();
        var made = arguments.Select((a, i) => (a, i)).Where(p => p.a == "--topic").Select(p => arguments[p.i + 1]).ToList();
        if (arguments.Contains("--with-dlq"))
        {
            made.AddRange([.. made.Select(t => t.Replace(":", ".dlq:", StringComparison.Ordinal))]);
        }

        // The source topic, its dead letters and the changelog, with the same partition counts.
        Assert.Contains("hotdata.events.changes:8", created);
        Assert.Equal(3, created.Count);
        Assert.All(created, topic => Assert.Contains(topic, made));
    }

    [Fact]
    public void On_host_networking_the_silos_published_ports_are_left_out()
    {
        var merged = """
            services:
              silo1:
                image: orleanshotdata-silo:1.0.0
                network_mode: host
                ports:
                - published: 8081
                  target: 8080
                environment:
                  Orleans__Endpoints__ListenOnAnyHostAddress: "false"
              other:
                image: x:1
                ports:
                - published: 1
                  target: 2
            """;
        var result = HostNetworkCompose.WithoutPublishedPorts(merged);
        var services = Services(new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(result));
        Assert.False(Service(services, "silo1").ContainsKey("ports"));
        Assert.True(Service(services, "other").ContainsKey("ports"));
        // Quoted values stay quoted: docker-compose refuses a boolean where it expects a string.
        Assert.Contains("\"false\"", result, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Errors)> ComposeConfigAsync(params string[] files) => await ComposeConfigAsync(true, files);

    private static async Task<(int Code, string Errors)> ComposeConfigAsync(bool withRedisPassword, params string[] files)
    {
        var start = new ProcessStartInfo("docker-compose") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Root };
        foreach (var arg in files.Concat(["config", "-q"]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOTDATA_API_KEY"] = "compose-check-key-0123456789";
        start.Environment["HOTDATA_OPERATOR_KEY"] = "compose-check-operator-key-0123456789";
        start.Environment["KAFKA_PASSWORD"] = "compose-check-kafka-password";
        foreach (var file in new[] { "HOTDATA_TLS_CERT", "HOTDATA_TLS_KEY", "HOTDATA_TEST_KAFKA_USERS_FILE" })
        {
            start.Environment[file] = ComposeFile;
        }

        start.Environment.Remove("REDIS_PASSWORD");
        if (withRedisPassword)
        {
            start.Environment["REDIS_PASSWORD"] = "compose-check-password";
        }

        foreach (var name in new[] { "REDIS", "KAFKA", "SILO1_HTTP", "SILO1_SILO", "SILO1_GATEWAY", "SILO2_HTTP", "SILO2_SILO", "SILO2_GATEWAY", "SILO3_HTTP", "SILO3_SILO", "SILO3_GATEWAY" })
        {
            start.Environment[$"HOTDATA_TEST_{name}_PORT"] = "40000";
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await output;
        await process.WaitForExitAsync();
        return (process.ExitCode, errors);
    }

    private static Dictionary<string, object> Load(string file)
    {
        using var reader = new StreamReader(file);
        return new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(reader)));
    }

    private static Dictionary<object, object> Services(Dictionary<string, object> document) => (Dictionary<object, object>)document["services"];

    private static Dictionary<object, object> Service(Dictionary<object, object> services, string name) => (Dictionary<object, object>)services[name];

    private static Dictionary<string, string> Environment(Dictionary<object, object> service) =>
        ((Dictionary<object, object>)service["environment"]).ToDictionary(kv => (string)kv.Key, kv => (string)kv.Value);

    /// <summary>A service's command as one string: the script of <c>sh -c</c>, or the arguments joined.</summary>
    private static string Command(Dictionary<object, object> service)
    {
        var command = ((List<object>)service["command"]).Cast<string>().ToList();
        return command is ["sh", "-c", var script] ? script : string.Join(' ', command);
    }

    private static TimeSpan ParseDuration(string text) =>
        text.EndsWith('s') ? TimeSpan.FromSeconds(int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture))
        : throw new FormatException($"stop_grace_period '{text}': expected whole seconds such as 45s.");

    /// <summary>The services built from <c>Silo/Dockerfile</c>, after YAML merge keys are applied.</summary>
    private static List<(string Name, Dictionary<object, object> Definition)> SiloServices(Dictionary<string, object> document) =>
        [.. Services(document)
            .Where(s => ((Dictionary<object, object>)s.Value).TryGetValue("build", out var build)
                && build is Dictionary<object, object> b && Equals(b["dockerfile"], "Silo/Dockerfile"))
            .Select(s => ((string)s.Key, (Dictionary<object, object>)s.Value))];
}
