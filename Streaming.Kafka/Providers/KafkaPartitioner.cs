using System.Buffers.Binary;

namespace Orleans.Streaming.Kafka.Providers;

/// <summary>
/// Kafka's default partitioner for keyed records (murmur2 of the key bytes, sign bit cleared, modulo the partition
/// count), as used by the Java client and by librdkafka's <c>murmur2</c>/<c>murmur2_random</c> partitioners.
/// </summary>
internal static class KafkaPartitioner
{
    private const uint Seed = 0x9747b28c;
    private const uint Multiplier = 0x5bd1e995;
    private const int Shift = 24;

    public static int GetPartition(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return (int)((Murmur2(key) & 0x7fffffff) % (uint)partitionCount);
    }

    public static uint Murmur2(ReadOnlySpan<byte> data)
    {
        unchecked
        {
            var length = data.Length;
            var h = Seed ^ (uint)length;
            var blocks = length / 4;
            for (var i = 0; i < blocks; i++)
            {
                var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
                k *= Multiplier;
                k ^= k >> Shift;
                k *= Multiplier;
                h *= Multiplier;
                h ^= k;
            }

            var tail = data[(blocks * 4)..];
            switch (tail.Length)
            {
                case 3:
                    h ^= (uint)tail[2] << 16;
                    h ^= (uint)tail[1] << 8;
                    h ^= tail[0];
                    h *= Multiplier;
                    break;
                case 2:
                    h ^= (uint)tail[1] << 8;
                    h ^= tail[0];
                    h *= Multiplier;
                    break;
                case 1:
                    h ^= tail[0];
                    h *= Multiplier;
                    break;
            }

            h ^= h >> 13;
            h *= Multiplier;
            h ^= h >> 15;
            return h;
        }
    }
}
