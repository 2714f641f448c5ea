using System.Collections;
using System.Reflection;
using OrleansHotData.Silo.Hosting;

namespace OrleansHotData.Tests.Deployment;

/// <summary>
/// Tells the settings the silo reads from names it would ignore, so deployment files (compose, Kubernetes) that pass
/// a misspelt setting fail a test instead of configuring nothing.
/// </summary>
public static class SiloSettingNames
{
    /// <summary>Whether environment variable <paramref name="name"/> (<c>__</c> for <c>:</c>) is a setting the silo reads.</summary>
    public static bool IsReadBySiloVariable(string name, out string why)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsReadBySilo(name.Replace("__", ":", StringComparison.Ordinal), out why);
    }

    /// <summary>Whether <paramref name="key"/> names a key the silo reads: a known single key or a property path of a bound section.</summary>
    public static bool IsReadBySilo(string key, out string why)
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
}
