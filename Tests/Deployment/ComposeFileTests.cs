using System.Collections;
using System.Diagnostics;
using System.Reflection;
using OrleansHotData.Silo.Hosting;
using OrleansHotData.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// No container engine runs the compose file here, so it is checked statically: docker-compose accepts it, and every
/// setting it gives a silo is one the silo reads.
/// </summary>
public sealed class ComposeFileTests
{
    private static string ComposeFile => Path.Combine(ProjectOutput.RepositoryRoot(), "docker-compose.yml");

    [Fact]
    public async Task Docker_compose_accepts_the_file()
    {
        var start = new ProcessStartInfo("docker-compose") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = ProjectOutput.RepositoryRoot() };
        foreach (var arg in new[] { "-f", ComposeFile, "config", "-q" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOTDATA_API_KEY"] = "compose-check-key-0123456789";
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"docker-compose config failed: {errors}");
    }

    [Fact]
    public void Every_setting_passed_to_a_silo_is_one_the_silo_reads()
    {
        var silos = SiloServices();
        Assert.Equal(3, silos.Count);
        foreach (var (service, environment) in silos)
        {
            Assert.NotEmpty(environment);
            foreach (var name in environment.Keys)
            {
                var key = name.Replace("__", ":", StringComparison.Ordinal);
                Assert.True(IsReadBySilo(key, out var why), $"{service}: {name} is not a setting the silo reads ({why}).");
            }
        }
    }

    [Theory]
    [InlineData("Orleans:Endpoints:SiloPort", true)]
    [InlineData("Kafka:Topics:0:Partitions", true)]
    [InlineData("Kafka:ClientConfig:security.protocol", true)]
    [InlineData("HotData:MaxValueBytes", true)]
    [InlineData("ConnectionStrings:Redis", true)]
    [InlineData("Orleans:Endpoints:SiloPrt", false)]
    [InlineData("Kafka:Topic:Name", false)]
    [InlineData("Redis:ConnectionString", false)]
    public void The_check_tells_settings_from_typos(string key, bool read) => Assert.Equal(read, IsReadBySilo(key, out _));

    /// <summary>Whether <paramref name="key"/> names a key the silo reads: a known single key or a property path of a bound section.</summary>
    private static bool IsReadBySilo(string key, out string why)
    {
        why = "";
        if (SiloConfigurationSections.Keys.Contains(key))
        {
            return true;
        }

        var segments = key.Split(':');
        if (SiloConfigurationSections.FreeForm.Contains(segments[0]))
        {
            return true;
        }

        if (!SiloConfigurationSections.Bound.TryGetValue(segments[0], out var type))
        {
            why = $"no section '{segments[0]}'";
            return false;
        }

        foreach (var segment in segments.Skip(1))
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
            }
            else if (type.IsGenericType && typeof(IList).IsAssignableFrom(type) && int.TryParse(segment, out _))
            {
                type = type.GetGenericArguments()[0];
            }
            else if (type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true } property)
            {
                type = property.PropertyType;
            }
            else
            {
                why = $"{type.Name} has no settable '{segment}'";
                return false;
            }
        }

        return true;
    }

    private static List<(string Service, Dictionary<string, string> Environment)> SiloServices()
    {
        using var reader = new StreamReader(ComposeFile);
        var document = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(reader)));
        var services = (Dictionary<object, object>)document["services"];
        var silos = new List<(string, Dictionary<string, string>)>();
        foreach (var (name, definition) in services)
        {
            var service = (Dictionary<object, object>)definition;
            if (service.TryGetValue("build", out var build) && build is Dictionary<object, object> b && Equals(b["dockerfile"], "Silo/Dockerfile"))
            {
                var environment = ((Dictionary<object, object>)service["environment"])
                    .ToDictionary(kv => (string)kv.Key, kv => (string)kv.Value);
                silos.Add(((string)name, environment));
            }
        }

        return silos;
    }
}
