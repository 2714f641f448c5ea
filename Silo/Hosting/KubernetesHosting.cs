using Orleans.Hosting.Kubernetes;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// Orleans' Kubernetes hosting (<c>Microsoft.Orleans.Hosting.Kubernetes</c>) for a silo running in a pod: the silo
/// takes the pod's name, labels its pod with the cluster and service ids, and watches the cluster's pods so a
/// deleted pod's silo is declared dead at once rather than after missed probes. Off outside Kubernetes, where the
/// Kubernetes API it needs does not exist.
/// </summary>
public static class KubernetesHosting
{
    /// <summary>Set by Kubernetes in every pod: its presence is how the silo knows it runs in one.</summary>
    public const string InPodVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>
    /// The environment variables Orleans' Kubernetes hosting reads (the manifests pass the pod's name, namespace and
    /// IP through the downward API). The cluster and service ids come from <c>Orleans:ClusterId</c> and
    /// <c>Orleans:ServiceId</c> as everywhere else.
    /// </summary>
    public static IReadOnlySet<string> EnvironmentVariables { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        KubernetesHostingOptions.PodNameEnvironmentVariable,
        KubernetesHostingOptions.PodNamespaceEnvironmentVariable,
        KubernetesHostingOptions.PodIPEnvironmentVariable,
    };

    /// <summary>Whether this process runs in a Kubernetes pod.</summary>
    public static bool InPod => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(InPodVariable));

    /// <summary>Adds Orleans' Kubernetes hosting when the silo runs in a pod; does nothing elsewhere.</summary>
    public static ISiloBuilder UseKubernetesHostingInPod(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return InPod ? silo.UseKubernetesHosting() : silo;
    }
}
