namespace OrleansHotData.EmbeddedKafka;

internal static class Program
{
    private static int Main()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("x", 2);
        Console.WriteLine($"bootstrap={cluster.BootstrapServers}");
        return 0;
    }
}
