using System.Security.Authentication;
using StackExchange.Redis;

namespace OrleansHotData.Silo.Hosting;

/// <summary>
/// Connects to Redis once before the silo starts, so that a server refusing the configured credentials or TLS stops
/// the silo with one line naming the settings, instead of Orleans' membership failing with "It was not possible to
/// connect" and a stack trace. A server that does not answer at all is not judged here: the silo's own start reports
/// it (and an orchestrator restarts the silo until Redis is up).
/// </summary>
public static class RedisAccessCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="SiloConfigurationException"/> when Redis refuses the connection's credentials or TLS.</summary>
    public static async Task VerifyAsync(ConfigurationOptions redis, string settings)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var probe = redis.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        probe.ConnectTimeout = (int)Timeout.TotalMilliseconds;
        probe.ClientName = "hotdata-start-check";
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(probe);
            // NOAUTH arrives only with the first command when no password was given at all.
            await connection.GetDatabase().PingAsync();
        }
        catch (Exception ex) when (Refusal(ex) is { } reason)
        {
            throw new SiloConfigurationException($"Redis at {Endpoints(redis)} {reason}: check {settings}.");
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            // Unreachable or slow: the silo's start reports it with its own retries.
        }
    }

    /// <summary>What the server refused, or <see langword="null"/> when the failure is not a refusal.</summary>
    internal static string? Refusal(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            var message = ex.Message;
            if (message.Contains("WRONGPASS", StringComparison.Ordinal) || message.Contains("invalid password", StringComparison.OrdinalIgnoreCase)
                || message.Contains("without any password configured", StringComparison.Ordinal))
            {
                return "refused the user name or password";
            }

            if (message.Contains("NOAUTH", StringComparison.Ordinal))
            {
                return "requires a password and none was given";
            }

            if (message.Contains("NOPERM", StringComparison.Ordinal))
            {
                return "does not allow the configured user the commands the silo needs (NOPERM)";
            }

            if (ex is AuthenticationException)
            {
                return $"failed the TLS handshake ({ex.Message})";
            }

            if (ex is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } refused)
            {
                return $"refused the connection ({Innermost(refused).Message})";
            }
        }

        return null;
    }

    private static Exception Innermost(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner;
    }

    private static string Endpoints(ConfigurationOptions redis) =>
        string.Join(",", redis.EndPoints.Select(EndPointCollection.ToString));
}
