using System.Globalization;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// <c>--health-probe</c>: asks the silo running in this container whether it is ready, for the image's health check,
/// without curl or a shell in the image. Exit code 0 when ready, 1 otherwise.
/// </summary>
public static class HealthProbe
{
    public const string Argument = "--health-probe";

    public const string ReadinessPath = "/health/ready";

    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => a != Argument).ToArray())
            .Build();
        var url = ProbeUrl(configuration["Urls"] ?? "http://127.0.0.1:8080");
        HttpClientHandler handler;
        try
        {
            handler = Handler(configuration);
        }
        catch (SiloConfigurationException ex)
        {
            await Console.Out.WriteLineAsync($"unusable certificate: {ex.Message}");
            return 1;
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            using var response = await http.GetAsync(new Uri(url, ReadinessPath));
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {url}"));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Out.WriteLineAsync($"unreachable {url}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Over HTTPS the probe asks 127.0.0.1, which the silo's certificate does not name: it accepts the silo's own
    /// configured certificate (the same bytes), and otherwise only a certificate that validates.
    /// </summary>
    private static HttpClientHandler Handler(IConfiguration configuration)
    {
        var handler = new HttpClientHandler();
        var own = HttpsCertificate.Load(configuration);
        if (own is not null)
        {
            handler.ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || (presented is not null && presented.RawDataMemory.Span.SequenceEqual(own.RawDataMemory.Span));
        }

        return handler;
    }

    /// <summary>The first listening URL, with a wildcard host replaced by loopback.</summary>
    public static Uri ProbeUrl(string urls)
    {
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        first = first.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal);
        return new Uri(first);
    }
}
