using System.Globalization;
using k8s.Models;
using OrleansHotData.Silo.Hosting;
using OrleansHotData.Tests.Containers;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// The Kubernetes manifests without a cluster (none can run where the tests run): the Kubernetes API's own models
/// accept every object, every setting is one the silo reads, and the pieces fit together (labels and selectors,
/// RBAC for Orleans' Kubernetes hosting, probes on the silo's health endpoints, grace periods, the non-root user).
/// <see cref="KubectlDryRunTests"/> has kubectl read them too.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class KubernetesManifestTests
{
    private readonly KubernetesManifests _manifests = KubernetesManifests.Load();

    private V1Container Silo => Assert.Single(_manifests.Deployment.Spec.Template.Spec.Containers);

    [Fact]
    public void The_kubernetes_models_accept_every_manifest()
    {
        Assert.Equal(
            ["ConfigMap", "Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount"],
            _manifests.Objects.Select(o => o.Kind).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_field_the_kubernetes_api_lacks_is_refused()
    {
        var misspelt = File.ReadAllText(Path.Combine(KubernetesManifests.Directory, "deployment.yaml"))
            .Replace("terminationGracePeriodSeconds", "terminationGracePeriodSecond", StringComparison.Ordinal);
        var error = Assert.Throws<InvalidDataException>(() => KubernetesManifests.Load([("deployment.yaml", misspelt)]));
        Assert.Contains("deployment.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_passed_to_the_silo_is_one_the_silo_reads()
    {
        var names = _manifests.ConfigMap.Data.Keys
            .Concat(_manifests.Secret.StringData.Keys)
            .Concat(Silo.Env.Select(e => e.Name))
            .ToList();
        Assert.Contains("Redis__Password", _manifests.Secret.StringData.Keys);
        Assert.Contains("Kafka__BootstrapServers", _manifests.ConfigMap.Data.Keys);
        foreach (var name in names)
        {
            var read = SiloSettingNames.IsReadBySiloVariable(name, out var why) || KubernetesHosting.EnvironmentVariables.Contains(name);
            Assert.True(read, $"{name} is not a setting the silo reads ({why}), nor a variable of Orleans' Kubernetes hosting.");
        }
    }

    [Fact]
    public void The_silo_reads_its_settings_from_the_config_map_and_its_secrets_from_the_secret()
    {
        Assert.Contains(Silo.EnvFrom, e => e.ConfigMapRef?.Name == _manifests.ConfigMap.Metadata.Name);
        Assert.Contains(Silo.EnvFrom, e => e.SecretRef?.Name == _manifests.Secret.Metadata.Name);
        // Secrets never sit in the ConfigMap: no password, key or password-bearing connection string.
        Assert.DoesNotContain(_manifests.ConfigMap.Data, kv => kv.Key.Contains("password", StringComparison.OrdinalIgnoreCase)
            || kv.Key.EndsWith("__Key", StringComparison.Ordinal) || kv.Value.Contains("password", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["Kafka__ClientConfig__sasl.password", "Redis__Password", "Security__ApiKeys__0__Key", "Security__ApiKeys__1__Key"], _manifests.Secret.StringData.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_api_is_https_with_the_mounted_tls_secret_and_kafka_uses_sasl_over_tls()
    {
        var data = _manifests.ConfigMap.Data;
        Assert.StartsWith("https://", data["Urls"], StringComparison.Ordinal);
        var mount = Assert.Single(Silo.VolumeMounts, m => m.Name == "api-tls");
        var volume = Assert.Single(_manifests.Deployment.Spec.Template.Spec.Volumes, v => v.Name == "api-tls");
        Assert.Equal("hotdata-api-tls", volume.Secret.SecretName);
        // A kubernetes.io/tls Secret holds tls.crt and tls.key: the settings name those files under the mount.
        Assert.Equal(mount.MountPath + "/tls.crt", data["Kestrel__Certificates__Default__Path"]);
        Assert.Equal(mount.MountPath + "/tls.key", data["Kestrel__Certificates__Default__KeyPath"]);
        Assert.Equal(1654, _manifests.Deployment.Spec.Template.Spec.SecurityContext.FsGroup);
        Assert.Equal("SASL_SSL", data["Kafka__ClientConfig__security.protocol"]);
        Assert.StartsWith("SCRAM-", data["Kafka__ClientConfig__sasl.mechanism"], StringComparison.Ordinal);
        Assert.Equal(["operator"], [data["Security__ApiKeys__1__Roles__0"]]);
        Assert.False(data.ContainsKey("Security__ApiKeys__0__Roles__2"), "the front-end key must not hold the operator role");
    }

    [Fact]
    public void The_pods_carry_the_labels_orleans_kubernetes_hosting_selects_by()
    {
        var labels = _manifests.Deployment.Spec.Template.Metadata.Labels;
        Assert.Equal(_manifests.ConfigMap.Data["Orleans__ClusterId"], labels[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ClusterIdLabel]);
        Assert.Equal(_manifests.ConfigMap.Data["Orleans__ServiceId"], labels[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ServiceIdLabel]);
        foreach (var (selector, what) in new[]
        {
            (_manifests.Deployment.Spec.Selector.MatchLabels, "the Deployment's selector"),
            (_manifests.PodDisruptionBudget.Spec.Selector.MatchLabels, "the PodDisruptionBudget's selector"),
            (_manifests.Service.Spec.Selector, "the Service's selector"),
        })
        {
            Assert.All(selector, kv => Assert.True(labels.TryGetValue(kv.Key, out var value) && value == kv.Value, $"{what} {kv.Key}={kv.Value} matches no pod label."));
        }
    }

    [Fact]
    public void The_pod_names_its_silo_and_advertises_its_own_address()
    {
        var env = Silo.Env.ToDictionary(e => e.Name);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
        // Kubernetes expands $(POD_IP) only from variables defined before it.
        Assert.Equal("$(POD_IP)", env["Orleans__Endpoints__AdvertisedIPAddress"].Value);
        Assert.True(Silo.Env.ToList().FindIndex(e => e.Name == "POD_IP") < Silo.Env.ToList().FindIndex(e => e.Name == "Orleans__Endpoints__AdvertisedIPAddress"));
        Assert.Equal("true", _manifests.ConfigMap.Data["Orleans__Endpoints__ListenOnAnyHostAddress"]);
    }

    [Fact]
    public void The_service_account_may_do_what_orleans_kubernetes_hosting_does_with_pods()
    {
        var pod = _manifests.Deployment.Spec.Template.Spec;
        Assert.Equal(_manifests.ServiceAccount.Metadata.Name, pod.ServiceAccountName);
        Assert.Contains(_manifests.RoleBinding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == pod.ServiceAccountName);
        Assert.Equal(("Role", _manifests.Role.Metadata.Name), (_manifests.RoleBinding.RoleRef.Kind, _manifests.RoleBinding.RoleRef.Name));
        var rule = Assert.Single(_manifests.Role.Rules, r => r.ApiGroups.Contains("") && r.Resources.Contains("pods"));
        // Reads its own pod, labels it (patch), lists and watches the cluster's pods, deletes defunct silos' pods.
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "patch", "delete" }, rule.Verbs.ToHashSet());
    }

    [Fact]
    public void Readiness_and_liveness_ask_the_silo_s_health_endpoints()
    {
        Assert.Equal(HotDataObservability.ReadyPath, Silo.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HotDataObservability.LivePath, Silo.LivenessProbe.HttpGet.Path);
        Assert.Equal(HotDataObservability.LivePath, Silo.StartupProbe.HttpGet.Path);
        var https = Assert.Single(Silo.Ports, p => p.Name == "https");
        Assert.Equal(new Uri(_manifests.ConfigMap.Data["Urls"]).Port, https.ContainerPort);
        Assert.All(new[] { Silo.ReadinessProbe, Silo.LivenessProbe, Silo.StartupProbe }, p =>
        {
            Assert.Equal("https", p.HttpGet.Port.Value);
            Assert.Equal("HTTPS", p.HttpGet.Scheme);
        });
    }

    [Fact]
    public void Kubernetes_kills_a_silo_only_after_the_silo_s_own_grace_period()
    {
        var siloGrace = TimeSpan.Parse(_manifests.ConfigMap.Data["Shutdown__GracePeriod"], CultureInfo.InvariantCulture);
        var podGrace = TimeSpan.FromSeconds(_manifests.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value);
        Assert.True(podGrace > siloGrace + TimeSpan.FromSeconds(5), $"terminationGracePeriodSeconds {podGrace.TotalSeconds} leaves the silo's {siloGrace} no margin.");
    }

    [Fact]
    public void Disruptions_take_one_silo_at_a_time()
    {
        Assert.Equal(1, _manifests.PodDisruptionBudget.Spec.MaxUnavailable.Value is var v && int.TryParse(v, out var n) ? n : -1);
        Assert.True(_manifests.Deployment.Spec.Replicas >= 3);
    }

    [Fact]
    public void The_silo_runs_as_the_image_user_from_the_pinned_image_the_compose_file_builds()
    {
        var pod = _manifests.Deployment.Spec.Template.Spec;
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(1654, pod.SecurityContext.RunAsUser);
        Assert.False(Silo.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(ComposeCluster.SiloImage, Silo.Image);
    }
}
