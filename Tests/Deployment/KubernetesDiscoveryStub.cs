using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// What <c>kubectl apply --dry-run=client</c> asks of a Kubernetes API server, and nothing more: the discovery
/// documents (which kinds exist under which group and version, and whether they are namespaced) and a 404 for every
/// object, so kubectl takes each object as new. No Kubernetes API server can run where the tests run; this lets
/// kubectl itself parse the manifests and map every object to a resource. It validates no schema: the Kubernetes
/// models do that in <see cref="KubernetesManifests"/>.
/// </summary>
public sealed class KubernetesDiscoveryStub : IAsyncDisposable
{
    // The resources of the Kubernetes API that the manifests use, as a real API server lists them.
    private static readonly Dictionary<string, (string Name, string Singular, string Kind)[]> Resources = new(StringComparer.Ordinal)
    {
        ["v1"] = [("configmaps", "configmap", "ConfigMap"), ("secrets", "secret", "Secret"), ("services", "service", "Service"), ("serviceaccounts", "serviceaccount", "ServiceAccount"), ("pods", "pod", "Pod")],
        ["apps/v1"] = [("deployments", "deployment", "Deployment"), ("statefulsets", "statefulset", "StatefulSet")],
        ["policy/v1"] = [("poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget")],
        ["rbac.authorization.k8s.io/v1"] = [("roles", "role", "Role"), ("rolebindings", "rolebinding", "RoleBinding")],
    };

    private static readonly string[] CoreVersions = ["v1"];
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    private readonly WebApplication _app;
    private readonly List<string> _requests = [];

    private KubernetesDiscoveryStub(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The stub's address, for kubectl's <c>--server</c>.</summary>
    public string Url { get; }

    /// <summary>The requests it answered, <c>METHOD path</c>, for messages.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<KubernetesDiscoveryStub> StartAsync()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new KubernetesDiscoveryStub(app, url);
        app.Run(stub.AnswerAsync);
        await app.StartAsync();
        return stub;
    }

    private Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        lock (_requests)
        {
            _requests.Add($"{context.Request.Method} {path}");
        }

        if (path == "/api")
        {
            return Json(context, 200, new { kind = "APIVersions", versions = CoreVersions, serverAddressByClientCIDRs = new[] { new { clientCIDR = "0.0.0.0/0", serverAddress = "127.0.0.1" } } });
        }

        if (path == "/apis")
        {
            var groups = Resources.Keys.Where(k => k.Contains('/', StringComparison.Ordinal)).Select(k =>
            {
                var version = new { groupVersion = k, version = k.Split('/')[1] };
                return new { name = k.Split('/')[0], versions = new[] { version }, preferredVersion = version };
            });
            return Json(context, 200, new { kind = "APIGroupList", apiVersion = "v1", groups });
        }

        var groupVersion = path.StartsWith("/api/", StringComparison.Ordinal) ? path["/api/".Length..] : path.StartsWith("/apis/", StringComparison.Ordinal) ? path["/apis/".Length..] : null;
        if (groupVersion is not null && Resources.TryGetValue(groupVersion, out var resources))
        {
            return Json(context, 200, new
            {
                kind = "APIResourceList",
                apiVersion = "v1",
                groupVersion,
                resources = resources.Select(r => new
                {
                    name = r.Name,
                    singularName = r.Singular,
                    @namespaced = true,
                    kind = r.Kind,
                    verbs = Verbs,
                }),
            });
        }

        // Any object: not there yet, so kubectl would create it.
        return Json(context, 404, new { kind = "Status", apiVersion = "v1", metadata = new { }, status = "Failure", message = $"{path} not found", reason = "NotFound", code = 404 });
    }

    private static async Task Json(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
