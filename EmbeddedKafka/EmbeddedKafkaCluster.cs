using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using OrleansHotData.EmbeddedKafka.Native;

namespace OrleansHotData.EmbeddedKafka;

/// <summary>
/// An in-process Kafka-protocol broker: librdkafka's mock cluster, listening on loopback ports. Clients connect
/// to <see cref="BootstrapServers"/> over TCP exactly as to a real broker. Data lives in memory only, for as long
/// as this object; each partition keeps only its most recent data (about 5 MiB), so size workloads accordingly.
/// </summary>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private readonly Lock gate = new();
    private readonly IProducer<Null, Null> owner;
    private readonly SafeHandle ownerHandle;
    private IntPtr cluster;

    private EmbeddedKafkaCluster(IProducer<Null, Null> owner, SafeHandle ownerHandle, IntPtr cluster, string bootstrapServers)
    {
        this.owner = owner;
        this.ownerHandle = ownerHandle;
        this.cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses, <c>127.0.0.1:PORT</c> separated by commas, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a mock cluster with <paramref name="brokerCount"/> brokers (ids 1 to <paramref name="brokerCount"/>) on ephemeral loopback ports.</summary>
    /// <param name="brokerCount">How many brokers; at least one.</param>
    /// <returns>The running cluster; dispose it to stop the brokers.</returns>
    /// <exception cref="InvalidOperationException">librdkafka could not create the cluster.</exception>
    public static EmbeddedKafkaCluster Start(int brokerCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);

        // The mock cluster needs an rd_kafka_t for its bookkeeping. Creating it through Confluent.Kafka also makes
        // Confluent load its librdkafka file, which the mock functions then share.
        LibrdkafkaLibrary.PreferBundledLibrary();
        var config = new ProducerConfig { ClientId = "embedded-kafka-host" };
        var producer = new ProducerBuilder<Null, Null>(config)
            .SetLogHandler(static (_, _) => { }) // it has no bootstrap servers by design; its warnings are noise
            .Build();
        SafeHandle? handle = null;
        var addedRef = false;
        try
        {
            handle = GetSafeHandle(producer.Handle);
            handle.DangerousAddRef(ref addedRef);
            LibrdkafkaLibrary.EnsureMockResolver();

            var cluster = MockClusterNativeMethods.ClusterNew(handle.DangerousGetHandle(), brokerCount);
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException($"librdkafka could not create a mock cluster of {brokerCount} broker(s).");
            }

            var bootstraps = Marshal.PtrToStringUTF8(MockClusterNativeMethods.ClusterBootstraps(cluster)) ?? string.Empty;
            return new EmbeddedKafkaCluster(producer, handle, cluster, bootstraps);
        }
        catch
        {
            if (addedRef)
            {
                handle!.DangerousRelease();
            }

            producer.Dispose();
            throw;
        }
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions.</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="partitions">Number of partitions; at least one.</param>
    /// <param name="replicationFactor">Replicas per partition; at most the number of brokers.</param>
    /// <exception cref="KafkaException">The mock cluster refused, e.g. the topic exists or the replication factor is too high.</exception>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        Check(
            Call(c => MockClusterNativeMethods.TopicCreate(c, topic, partitions, replicationFactor)),
            $"create topic '{topic}' with {partitions} partition(s) and replication factor {replicationFactor}");
    }

    /// <summary>Disconnects a broker's clients and refuses new connections. Partition leadership does not move.</summary>
    /// <param name="brokerId">The broker id, or -1 for all brokers.</param>
    public void SetBrokerDown(int brokerId = -1) =>
        Check(Call(c => MockClusterNativeMethods.BrokerSetDown(c, brokerId)), $"set broker {brokerId} down");

    /// <summary>Lets a broker accept connections again.</summary>
    /// <param name="brokerId">The broker id, or -1 for all brokers.</param>
    public void SetBrokerUp(int brokerId = -1) =>
        Check(Call(c => MockClusterNativeMethods.BrokerSetUp(c, brokerId)), $"set broker {brokerId} up");

    /// <summary>
    /// Makes the next requests of Kafka protocol type <paramref name="apiKey"/> (0 = Produce, 1 = Fetch, 8 = OffsetCommit, ...)
    /// fail with <paramref name="errors"/>, one error per request, in order. <see cref="ErrorCode.Local_Transport"/> disconnects the client.
    /// </summary>
    /// <param name="apiKey">The Kafka protocol request type.</param>
    /// <param name="errors">The errors to answer with.</param>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        var codes = Array.ConvertAll(errors, static e => (int)e);
        Call(c =>
        {
            MockClusterNativeMethods.PushRequestErrorsArray(c, apiKey, (nuint)codes.Length, codes);
            return 0;
        });
    }

    /// <summary>Delays every response of a broker by <paramref name="milliseconds"/>.</summary>
    /// <param name="brokerId">The broker id, or -1 for all brokers.</param>
    /// <param name="milliseconds">The added round-trip time; 0 removes it.</param>
    public void SetBrokerRoundTripTime(int brokerId, int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        Check(Call(c => MockClusterNativeMethods.BrokerSetRtt(c, brokerId, milliseconds)), $"set round-trip time of broker {brokerId}");
    }

    /// <summary>Moves the leadership of one partition to <paramref name="brokerId"/> (-1 leaves it without a leader).</summary>
    /// <param name="topic">The topic; created if it does not exist.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="brokerId">The new leader's id.</param>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        Check(
            Call(c => MockClusterNativeMethods.PartitionSetLeader(c, topic, partition, brokerId)),
            $"set leader of {topic}[{partition}] to broker {brokerId}");
    }

    /// <summary>
    /// Makes metadata name <paramref name="host"/>:<paramref name="port"/> as the address of broker
    /// <paramref name="brokerId"/>, such as a proxy in front of it; the broker keeps listening on its own address.
    /// </summary>
    internal void SetBrokerAdvertisedAddress(int brokerId, string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        Call(c =>
        {
            MockClusterNativeMethods.BrokerSetHostPort(c, brokerId, host, port);
            return 0;
        });
    }

    /// <summary>Stops the brokers and frees the cluster; their data is gone. Safe to call more than once.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (cluster == IntPtr.Zero)
            {
                return;
            }

            // The cluster must go before the rd_kafka_t it was created on.
            MockClusterNativeMethods.ClusterDestroy(cluster);
            cluster = IntPtr.Zero;
        }

        ownerHandle.DangerousRelease();
        owner.Dispose();
    }

    /// <summary>Calls into the cluster under the lock, so a concurrent <see cref="Dispose"/> cannot free it mid-call.</summary>
    private int Call(Func<IntPtr, int> call)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
            return call(cluster);
        }
    }

    private static void Check(int error, string action)
    {
        if (error != 0)
        {
            var code = (ErrorCode)error;
            var reason = Marshal.PtrToStringUTF8(MockClusterNativeMethods.ErrorToString(error)) ?? code.ToString();
            throw new KafkaException(new Error(code, $"Embedded Kafka could not {action}: {reason}"));
        }
    }

    /// <summary>
    /// Confluent.Kafka keeps the rd_kafka_t in a non-public SafeHandle on <see cref="Handle"/>; the mock API is the
    /// one place that needs the raw pointer, so it is read by reflection and fails loudly if Confluent renames it.
    /// </summary>
    private static SafeHandle GetSafeHandle(Handle handle)
    {
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        return property?.GetValue(handle) as SafeHandle
            ?? throw new InvalidOperationException(
                $"Confluent.Kafka {typeof(Handle).Assembly.GetName().Version} does not expose its librdkafka handle as expected.");
    }
}
