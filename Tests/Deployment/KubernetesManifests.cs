using k8s;
using k8s.Models;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// The Kubernetes manifests of <c>deploy/kubernetes/</c>, read with the official .NET client's models (generated from
/// the Kubernetes API's OpenAPI description) in strict mode: a field the API does not have fails the read.
/// </summary>
public sealed class KubernetesManifests
{
    private readonly List<IKubernetesObject> _objects;

    private KubernetesManifests(List<IKubernetesObject> objects) => _objects = objects;

    /// <summary>The folder of the manifests.</summary>
    public static string Directory => Path.Combine(ProjectOutput.RepositoryRoot(), "deploy", "kubernetes");

    /// <summary>Every manifest file, in name order.</summary>
    public static IReadOnlyList<string> Files => [.. System.IO.Directory.GetFiles(Directory, "*.yaml").Order(StringComparer.Ordinal)];

    public IReadOnlyList<IKubernetesObject> Objects => _objects;

    public V1Deployment Deployment => Single<V1Deployment>();

    public V1ConfigMap ConfigMap => Single<V1ConfigMap>();

    public V1Secret Secret => Single<V1Secret>();

    public V1Role Role => Single<V1Role>();

    public V1RoleBinding RoleBinding => Single<V1RoleBinding>();

    public V1ServiceAccount ServiceAccount => Single<V1ServiceAccount>();

    public V1Service Service => Single<V1Service>();

    public V1PodDisruptionBudget PodDisruptionBudget => Single<V1PodDisruptionBudget>();

    /// <summary>Reads every file strictly; throws, naming the file, on YAML or a field the Kubernetes API lacks.</summary>
    public static KubernetesManifests Load() => Load(Files.Select(f => (Path.GetFileName(f), File.ReadAllText(f))));

    /// <summary>Reads the given manifests strictly.</summary>
    public static KubernetesManifests Load(IEnumerable<(string Name, string Yaml)> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var objects = new List<IKubernetesObject>();
        foreach (var (name, yaml) in manifests)
        {
            try
            {
                objects.AddRange(KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true).Cast<IKubernetesObject>());
            }
            catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException)
            {
                throw new InvalidDataException($"{name}: {ex.Message} {ex.InnerException?.Message}", ex);
            }
        }

        return new KubernetesManifests(objects);
    }

    private T Single<T>()
        where T : IKubernetesObject => Assert.Single(_objects.OfType<T>());
}
