using System.Runtime.InteropServices;

namespace OrleansHotData.EmbeddedKafka.Native;

/// <summary>
/// The mock-cluster part of librdkafka's C API (rdkafka_mock.h). The library name is our own: a resolver maps it
/// to the very librdkafka copy Confluent.Kafka already loaded, because the mock cluster must live in the same
/// library instance as the rd_kafka_t handle it is attached to.
/// </summary>
internal static partial class MockClusterNativeMethods
{
    internal const string LibraryName = "orleanshotdata-librdkafka-mock";

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial IntPtr ClusterNew(IntPtr kafkaHandle, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void ClusterDestroy(IntPtr cluster);

    // Returns a pointer into the cluster's own memory: read it, never free it.
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial IntPtr ClusterBootstraps(IntPtr cluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int TopicCreate(IntPtr cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PartitionSetLeader(IntPtr cluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int BrokerSetDown(IntPtr cluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int BrokerSetUp(IntPtr cluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial int BrokerSetRtt(IntPtr cluster, int brokerId, int rttMilliseconds);

    // The non-variadic form: variadic C functions cannot be called reliably through P/Invoke.
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void PushRequestErrorsArray(IntPtr cluster, short apiKey, nuint count, int[] errors);

    // Changes only the address the broker advertises in metadata; it keeps listening where it was.
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_host_port", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void BrokerSetHostPort(IntPtr cluster, int brokerId, string host, int port);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2str")]
    internal static partial IntPtr ErrorToString(int error);
}
