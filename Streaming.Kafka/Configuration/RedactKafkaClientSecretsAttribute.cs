using System.Globalization;

namespace Orleans.Configuration;

/// <summary>
/// Formats a librdkafka settings dictionary for the startup options log with the values of secret settings
/// (passwords, client secrets, private keys, JAAS and OAuth configuration) replaced.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class RedactKafkaClientSecretsAttribute : RedactAttribute
{
    private const string Redacted = "REDACTED";

    private static readonly string[] SecretKeyFragments =
        ["password", "secret", "jaas", "oauthbearer.config", "key.pem", "ssl_key", "token"];

    public override string Redact(object? value)
    {
        if (value is not IEnumerable<KeyValuePair<string, string>> settings)
        {
            return value is null ? string.Empty : Redacted;
        }

        var formatted = settings
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key}={(IsSecret(pair.Key) ? Redacted : pair.Value)}"));
        return "{" + string.Join(", ", formatted) + "}";
    }

    internal static bool IsSecret(string key) =>
        SecretKeyFragments.Any(fragment => key.Contains(fragment, StringComparison.OrdinalIgnoreCase));
}
