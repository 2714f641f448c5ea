using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansHotData.Silo.Security;

namespace OrleansHotData.Silo.Health;

/// <summary>
/// Writes a health report as a small JSON document: the overall status, and for an operator (or with authentication
/// off) each check's status, description and error. Anonymous probes get the status only: the details name servers
/// and carry exception messages.
/// </summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", report.Status.ToString());
            if (!HotDataRoles.IsOperator(context))
            {
                writer.WriteEndObject();
                writer.Flush();
                return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
            }

            writer.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("status", entry.Status.ToString());
                if (entry.Description is { } description)
                {
                    writer.WriteString("description", description);
                }

                if (entry.Exception is { } exception)
                {
                    writer.WriteString("error", exception.Message);
                }

                foreach (var (key, value) in entry.Data)
                {
                    writer.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
