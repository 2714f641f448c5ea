using System.Net;
using OrleansHotData.Client;
using Xunit.Sdk;

namespace OrleansHotData.Tests.Faults;

/// <summary>
/// How the fault workloads count a failed API write: only a failure on the way or a 503 leaves its outcome unknown;
/// any other answer is a refusal, which <see cref="WorkloadAssert"/> fails unless the test expects its kind.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class ApiWriteOutcomeTests
{
    public static TheoryData<string, bool> Errors => new()
    {
        { "503", true },
        { "transport", true },
        { "timeout", true },
        { "400", false },
        { "409", false },
        { "500", false },
        { "conflict", false },
        { "other", false },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Only_transport_failures_and_503_leave_the_outcome_unknown(string error, bool unknown) =>
        Assert.Equal(unknown, ApiWriteErrors.IsOutcomeUnknown(Create(error)));

    [Fact]
    public async Task An_api_that_refuses_every_write_fails_the_workload_assertion()
    {
        var workload = Workload(_ => throw new HttpWriteException(HttpStatusCode.Conflict, "application/problem+json", "refused"));
        var counts = await workload.RunAsync(TimeSpan.FromSeconds(1));

        Assert.True(counts.ApiWritesRefused > 0, counts.ToString());
        Assert.Equal(0, counts.ApiWritesUnknown);
        Assert.Equal(0, counts.ApiWritesAcknowledged);
        Assert.All(workload.ApiRefusals, r => Assert.Equal("HTTP 409", r.Kind));
        Assert.ThrowsAny<XunitException>(() => WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0));
        // Expecting the kind is not enough either: nothing was acknowledged.
        Assert.ThrowsAny<XunitException>(() => WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0, "HTTP 409"));
    }

    [Fact]
    public async Task Refused_unknown_and_acknowledged_writes_are_counted_apart_and_only_expected_refusals_pass()
    {
        var calls = 0;
        var workload = Workload(write => (Interlocked.Increment(ref calls) % 3) switch
        {
            0 => throw new HttpWriteException(HttpStatusCode.BadRequest, "application/problem+json", "refused"),
            1 => throw new HttpWriteException(HttpStatusCode.ServiceUnavailable, "application/problem+json", "unavailable"),
            _ => Task.CompletedTask,
        });
        var counts = await workload.RunAsync(TimeSpan.FromSeconds(1));

        Assert.True(counts.ApiWritesRefused > 0 && counts.ApiWritesUnknown > 0 && counts.ApiWritesAcknowledged > 0, counts.ToString());
        Assert.Equal(counts.ApiWritesSent, counts.ApiWritesRefused + counts.ApiWritesUnknown + counts.ApiWritesAcknowledged);
        Assert.Equal(counts.ApiWritesRefused, workload.ApiRefusals.Count);
        Assert.Equal(counts.ApiWritesUnknown, workload.ApiFailures.Count);
        WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0.2, "HTTP 400");
        Assert.ThrowsAny<XunitException>(() => WorkloadAssert.ApiWrites(workload, minimumAcknowledgedShare: 0.2));
    }

    private static MixedWorkload Workload(Func<ApiWrite, Task> write)
    {
        long offset = 0;
        return new MixedWorkload(
            new MixedWorkloadOptions { KafkaRecordsPerSecond = 0, ApiWriters = 2, ApiWritesPerSecond = 200 },
            _ => Task.FromResult(new KafkaPosition(0, Interlocked.Increment(ref offset))),
            (apiWrite, _) => write(apiWrite));
    }

    private static Exception Create(string error) => error switch
    {
        "503" => new HttpWriteException(HttpStatusCode.ServiceUnavailable, "application/problem+json", "unavailable"),
        "transport" => new HttpRequestException("connection refused"),
        "timeout" => new TaskCanceledException("the request timed out"),
        "400" => new HttpWriteException(HttpStatusCode.BadRequest, "application/problem+json", "invalid"),
        "409" => new HttpWriteException(HttpStatusCode.Conflict, "application/problem+json", "conflict"),
        "500" => new HttpWriteException(HttpStatusCode.InternalServerError, "application/problem+json", "internal"),
        "conflict" => new VersionConflictException("k", 3, 4, "conflict"),
        _ => new InvalidOperationException("a bug"),
    };
}
