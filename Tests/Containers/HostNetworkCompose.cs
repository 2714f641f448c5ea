using YamlDotNet.RepresentationModel;

namespace OrleansHotData.Tests.Containers;

/// <summary>
/// Docker refuses published ports on host networking, and a compose override can add to a service's <c>ports</c>
/// but not remove them. So the cluster under test runs from the configuration docker-compose merges from
/// <c>docker-compose.yml</c> and <c>docker-compose.test.yml</c> (<c>config --no-interpolate</c>), with only the
/// <c>ports</c> of host-network services left out: on host networking each silo listens on its own loopback port.
/// </summary>
public static class HostNetworkCompose
{
    /// <summary>The compose document <paramref name="mergedConfiguration"/> without the ports of services on host networking.</summary>
    public static string WithoutPublishedPorts(string mergedConfiguration)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(mergedConfiguration))
        {
            stream.Load(reader);
        }

        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var services = (YamlMappingNode)root.Children[new YamlScalarNode("services")];
        foreach (var service in services.Children.Values.Cast<YamlMappingNode>())
        {
            if (service.Children.TryGetValue(new YamlScalarNode("network_mode"), out var mode) && mode is YamlScalarNode { Value: "host" })
            {
                service.Children.Remove(new YamlScalarNode("ports"));
            }
        }

        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
