using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OrleansHotData.Tests.Faults;
using OrleansHotData.Tests.Infrastructure;
using OrleansHotData.Tests.Kafka;
using Xunit.Abstractions;

namespace OrleansHotData.Tests.Containers;

/// <summary>
/// The images and the compose cluster, built and run: every check goes through the ports the containers publish on
/// loopback (the <c>docker</c> client only kills, stops, starts and inspects containers). The tests that take a silo
/// away start it again, so each test finds three ready silos whatever the order.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Containers)]
public sealed class ComposeClusterTests(ComposeCluster cluster, ITestOutputHelper output) : IClassFixture<ComposeCluster>
{
    private const int AppUid = 1654;
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    // Set while a test's victim is gone: API writes go to the other silos only, as a load balancer would send them.
    private bool _victimGone;

    [ContainerFact]
    public async Task Every_silo_is_ready_healthy_and_runs_as_the_app_user()
    {
        output.WriteLine($"images built in {cluster.ImageBuildTime.TotalSeconds:0} s; cluster ready {cluster.StartTime.TotalSeconds:0} s after docker-compose up");
        foreach (var silo in cluster.Silos)
        {
            await ComposeCluster.WaitUntilReadyAsync(silo, cluster.Certificates, ReadyTimeout);
            var container = await cluster.ContainerIdAsync(silo.Name);
            // The image's HEALTHCHECK (the silo's own --health-probe) reports the container healthy.
            await Eventually.ReturnsAsync(
                () => ContainerEngine.DockerAsync("inspect", "--format", "{{.State.Health.Status}}", container),
                status => status == "healthy",
                TimeSpan.FromSeconds(90),
                $"{silo.Name}'s health check to pass");
            Assert.Equal(AppUid.ToString(CultureInfo.InvariantCulture), await ContainerEngine.DockerAsync("exec", container, "id", "-u"));
        }

        Assert.Equal(AppUid.ToString(CultureInfo.InvariantCulture), await ContainerEngine.DockerAsync("exec", await cluster.ContainerIdAsync("kafka"), "id", "-u"));
    }

    [ContainerFact]
    public async Task Redis_answers_only_clients_that_send_the_password()
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, cluster.RedisPort);
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<string?> SendAsync(string command)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            return await reader.ReadLineAsync();
        }

        Assert.StartsWith("-NOAUTH", await SendAsync("PING"), StringComparison.Ordinal);
        Assert.StartsWith("-", await SendAsync("AUTH not-the-password"), StringComparison.Ordinal);
        Assert.Equal("+OK", await SendAsync($"AUTH {cluster.RedisPassword}"));
        Assert.Equal("+PONG", await SendAsync("PING"));
    }

    [ContainerFact]
    public async Task Kafka_answers_only_clients_that_authenticate_and_the_api_only_https_with_roles()
    {
        // A producer with the wrong password is refused by the broker: nothing it sends is accepted.
        var config = OrleansHotData.Tests.Kafka.EmbeddedKafkaFixture.ForCluster(cluster.KafkaBootstrap).Producer();
        config.SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = Confluent.Kafka.SaslMechanism.Plain;
        config.SaslUsername = ComposeCluster.KafkaUser;
        config.SaslPassword = "not-the-password";
        config.MessageTimeoutMs = 10_000;
        using (var refused = new Confluent.Kafka.ProducerBuilder<string?, byte[]?>(config).Build())
        {
            await Assert.ThrowsAnyAsync<Confluent.Kafka.KafkaException>(() => refused.ProduceAsync(ComposeCluster.Topic, TestRecords.Create("refused", """{"n":1}""", [])));
        }

        var silo = cluster.Silos[0];
        // Cleartext HTTP on the API port is not served.
        using (var cleartext = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.HttpPort}"), Timeout = TimeSpan.FromSeconds(10) })
        {
            cleartext.DefaultRequestHeaders.Add("X-Api-Key", ComposeCluster.ApiKey);
            var served = false;
            try
            {
                using var response = await cleartext.GetAsync(new Uri("/v1/keys/cleartext", UriKind.Relative));
                served = response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound;
            }
            catch (HttpRequestException)
            {
            }

            Assert.False(served, "the API answered a cleartext HTTP request");
        }

        // The front-end key reads and writes but does not reach the operator pages; the operator key does.
        using var metricsAsFrontend = await cluster.Http(silo).GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, metricsAsFrontend.StatusCode);
        using var metricsAsOperator = await cluster.Http(silo, ComposeCluster.OperatorKey).GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, metricsAsOperator.StatusCode);
    }

    [ContainerFact]
    public async Task A_write_on_one_silo_is_read_on_the_others()
    {
        var key = "container-" + Guid.NewGuid().ToString("N")[..8];
        using var put = await cluster.Http(cluster.Silos[0]).PutAsync(
            new Uri($"/v1/keys/{key}", UriKind.Relative), new StringContent("""{"city":"Oslo"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        foreach (var silo in cluster.Silos.Skip(1))
        {
            var (value, version) = await ReadAsync(silo, key) ?? throw new InvalidOperationException($"{key} is missing on {silo.Name}");
            Assert.Equal("Oslo", value.GetProperty("city").GetString());
            Assert.Equal(1, version);
        }
    }

    [ContainerFact]
    public async Task A_kafka_record_is_applied_once()
    {
        var key = "container-kafka-" + Guid.NewGuid().ToString("N")[..8];
        // Two increments of one key, in one partition in this order: once the second shows, the first was applied,
        // and it counted once.
        await cluster.Producer.ProduceAsync(ComposeCluster.Topic, TestRecords.Create(key, """{"n":1}""", [(HotDataHeaders.Operation, "incr")]));
        await cluster.Producer.ProduceAsync(ComposeCluster.Topic, TestRecords.Create(key, """{"m":1}""", [(HotDataHeaders.Operation, "incr")]));

        var (value, version) = await Eventually.ReturnsAsync(
            () => ReadAsync(cluster.Silos[2], key),
            item => item is { Value: var v } && v.TryGetProperty("m", out _),
            TimeSpan.FromSeconds(60),
            $"the records of {key} to be applied") ?? default;
        Assert.Equal(1, value.GetProperty("n").GetInt64());
        Assert.Equal(2, version);
    }

    [ContainerFact]
    public async Task A_killed_silo_container_loses_nothing_under_a_mixed_load()
    {
        var report = new FaultReport(output);
        await WaitForEverySiloAsync();
        var victim = cluster.Silos[1];
        var container = await cluster.ContainerIdAsync(victim.Name);
        var alive = cluster.Silos.Where(s => s != victim).ToList();
        var workload = NewWorkload(() => Volatile.Read(ref _victimGone) ? alive : cluster.Silos);
        var before = workload.Counts;
        try
        {
            await workload.RunWithAsync(TimeSpan.FromSeconds(25), async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(8));
                before = workload.Counts;
                Volatile.Write(ref _victimGone, true);
                await ContainerEngine.DockerAsync("kill", container);
                report.Phase($"{victim.Name} killed (docker kill) after {before.KafkaRecordsProduced} records and {before.ApiWritesAcknowledged} API writes");
            });
            report.Phase("workload done");
            Assert.Equal("false", await ContainerEngine.DockerAsync("inspect", "--format", "{{.State.Running}}", container));

            var mismatches = await workload.WaitForConvergenceAsync(HttpRead(alive[0]), Convergence);
            report.Phase("compared with the model");
            report.Outcome(workload, mismatches);
            Assert.Empty(mismatches);
            var counts = workload.Counts;
            Assert.Equal(0, counts.KafkaRecordsFailed);
            Assert.True(counts.KafkaRecordsProduced > before.KafkaRecordsProduced, "records should have been produced after the kill");
        }
        finally
        {
            await RestartAsync(victim, container);
            Volatile.Write(ref _victimGone, false);
            report.Phase($"{victim.Name} started again and ready");
        }
    }

    [ContainerFact]
    public async Task A_stopped_silo_container_leaves_gracefully_within_its_grace_period()
    {
        var report = new FaultReport(output);
        await WaitForEverySiloAsync();
        var leaving = cluster.Silos[2];
        var container = await cluster.ContainerIdAsync(leaving.Name);
        var staying = cluster.Silos.Where(s => s != leaving).ToList();
        var workload = NewWorkload(() => Volatile.Read(ref _victimGone) ? staying : cluster.Silos);
        var stopping = Stopwatch.StartNew();
        try
        {
            await workload.RunWithAsync(TimeSpan.FromSeconds(20), async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(6));
                // Writes go to the other silos from now on, as a load balancer would send them once the stop begins.
                Volatile.Write(ref _victimGone, true);
                stopping.Restart();
                await ContainerEngine.DockerAsync("stop", "--time", ((int)ComposeCluster.StopGracePeriod.TotalSeconds).ToString(CultureInfo.InvariantCulture), container);
                stopping.Stop();
                report.Phase($"{leaving.Name} stopped (docker stop) in {stopping.Elapsed.TotalSeconds:0.0} s");
            });

            // SIGTERM ended the silo by itself, within its own grace period: exit code 0, not Docker's SIGKILL (137).
            Assert.Equal("0", await ContainerEngine.DockerAsync("inspect", "--format", "{{.State.ExitCode}}", container));
            Assert.True(stopping.Elapsed < ComposeCluster.SiloGracePeriod + TimeSpan.FromSeconds(5), $"the stop took {stopping.Elapsed.TotalSeconds:0.0} s");

            var mismatches = await workload.WaitForConvergenceAsync(HttpRead(staying[0]), Convergence);
            report.Outcome(workload, mismatches);
            Assert.Empty(mismatches);
            Assert.Equal(0, workload.Counts.KafkaRecordsFailed);
        }
        finally
        {
            await RestartAsync(leaving, container);
            Volatile.Write(ref _victimGone, false);
            report.Phase($"{leaving.Name} started again and ready");
        }
    }

    private MixedWorkload NewWorkload(Func<IReadOnlyList<ComposeService>> targets)
    {
        var clients = cluster.Silos.ToDictionary(s => s.Name, s => cluster.Http(s), StringComparer.Ordinal);
        return new MixedWorkload(
            new MixedWorkloadOptions { KafkaRecordsPerSecond = 300, ApiWritesPerSecond = 60 },
            WorkloadBindings.Produce(cluster.Producer, ComposeCluster.Topic),
            (write, cancellationToken) =>
            {
                var members = targets();
                return WorkloadBindings.HttpWrite(clients[members[Random.Shared.Next(members.Count)].Name])(write, cancellationToken);
            });
    }

    /// <summary>A key's value and version (its ETag) as <c>GET /v1/keys/{key}</c> on <paramref name="silo"/> answers; null when it is absent.</summary>
    private async Task<(JsonElement Value, long Version)?> ReadAsync(ComposeService silo, string key)
    {
        using var response = await cluster.Http(silo).GetAsync(new Uri($"/v1/keys/{Uri.EscapeDataString(key)}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var version = long.Parse(response.Headers.ETag!.Tag.Trim('"'), CultureInfo.InvariantCulture);
        return (JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone(), version);
    }

    private Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, ObservedValue>>> HttpRead(ComposeService silo) =>
        WorkloadBindings.HttpRead(cluster.Http(silo));

    private async Task WaitForEverySiloAsync()
    {
        foreach (var silo in cluster.Silos)
        {
            await ComposeCluster.WaitUntilReadyAsync(silo, cluster.Certificates, ReadyTimeout);
        }
    }

    private async Task RestartAsync(ComposeService silo, string container)
    {
        if (await ContainerEngine.DockerAsync("inspect", "--format", "{{.State.Running}}", container) != "true")
        {
            await ContainerEngine.DockerAsync("start", container);
        }

        await ComposeCluster.WaitUntilReadyAsync(silo, cluster.Certificates, ReadyTimeout);
    }
}
