using System.Diagnostics;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// kubectl reads the manifests: <c>kubectl apply --dry-run=client</c> of the whole folder, against
/// <see cref="KubernetesDiscoveryStub"/> (no Kubernetes API server can run here, and kubectl needs one to map kinds
/// to resources). Schema validation is off (<c>--validate=false</c>): the stub has no OpenAPI document; the strict
/// read of <see cref="KubernetesManifestTests"/> checks every field instead. <c>./hotdata test</c> installs kubectl
/// (Debian's kubernetes-client) when the machine has none.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class KubectlDryRunTests
{
    [Fact]
    public async Task Kubectl_apply_dry_run_accepts_the_manifests()
    {
        await using var stub = await KubernetesDiscoveryStub.StartAsync();
        var (code, output, errors) = await KubectlAsync(stub, KubernetesManifests.Directory);

        Assert.True(code == 0, $"kubectl apply --dry-run=client failed ({code}): {errors}\nrequests: {string.Join(", ", stub.Requests)}");
        var applied = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(KubernetesManifests.Load().Objects.Count, applied.Length);
        Assert.All(applied, line => Assert.EndsWith("created (dry run)", line.Trim(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kubectl_refuses_a_kind_the_api_does_not_have()
    {
        await using var stub = await KubernetesDiscoveryStub.StartAsync();
        var folder = Directory.CreateTempSubdirectory("hotdata-kubectl-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "bad.yaml"), "apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: x\n");
            var (code, _, errors) = await KubectlAsync(stub, folder.FullName);
            Assert.NotEqual(0, code);
            Assert.Contains("Deploymnet", errors, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Output, string Errors)> KubectlAsync(KubernetesDiscoveryStub stub, string path)
    {
        var kubeconfig = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "apply", "--dry-run=client", "--validate=false", "--server", stub.Url, "--namespace", "hotdata", "-f", path })
            {
                start.ArgumentList.Add(argument);
            }

            // An empty kubeconfig of its own: never a cluster of the machine's user.
            start.Environment["KUBECONFIG"] = kubeconfig;
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException("kubectl is not installed: apt-get install kubernetes-client (./hotdata test installs it).", ex);
            }

            using (process)
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var errors = await process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync();
                return (process.ExitCode, await output, errors);
            }
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
