namespace OrleansHotData.Silo.Api;

/// <summary>RFC 9457 problem responses, one per kind of client mistake or server condition.</summary>
public static class ApiProblem
{
    private const string TypePrefix = "urn:orleanshotdata:problem:";

    public static IResult InvalidKey(string detail) => Create(StatusCodes.Status400BadRequest, "invalid-key", "The key is not valid.", detail);

    public static IResult InvalidRequest(string detail) => Create(StatusCodes.Status400BadRequest, "invalid-request", "The request is malformed.", detail);

    public static IResult InvalidChange(string detail) => Create(StatusCodes.Status400BadRequest, "invalid-change", "The change cannot be applied.", detail);

    public static IResult NotFound(string key) => Create(StatusCodes.Status404NotFound, "not-found", "The key has no value.", $"Key '{key}' has no value.");

    public static IResult VersionConflict(string detail, long currentVersion) =>
        Create(StatusCodes.Status412PreconditionFailed, "version-conflict", "The key's version does not match.", detail, currentVersion);

    public static IResult Stale(string detail) => Create(StatusCodes.Status409Conflict, "stale", "The change is older than the value.", detail);

    public static IResult TooLarge(string detail) => Create(StatusCodes.Status413PayloadTooLarge, "value-too-large", "The value is too large.", detail);

    public static IResult TooManyRequests(string detail) => Create(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests.", detail);

    public static IResult NotFoundView(string detail) => Create(StatusCodes.Status404NotFound, "view-off", "The view is turned off.", detail);

    public static IResult Forbidden(string detail) => Create(StatusCodes.Status403Forbidden, "forbidden", "The request is not allowed.", detail);

    public static IResult UnsupportedMediaType(string detail) => Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body's content type is not accepted.", detail);

    public static IResult Unavailable(string detail) => Create(StatusCodes.Status503ServiceUnavailable, "unavailable", "The service cannot complete the request now.", detail);

    /// <summary>Maps a grain's refusal to its problem response.</summary>
    public static IResult From(string key, WriteResult result) => result.Status switch
    {
        WriteStatus.VersionConflict => VersionConflict(result.Error ?? "Version mismatch.", result.Version),
        WriteStatus.Invalid => InvalidChange(result.Error ?? "The change is invalid."),
        WriteStatus.ValueTooLarge => TooLarge(result.Error ?? "The value is too large."),
        WriteStatus.NotFound => NotFound(key),
        WriteStatus.Stale => Stale(result.Error ?? "The change is stale."),
        _ => throw new ArgumentOutOfRangeException(nameof(result), result.Status, "Not a refusal."),
    };

    private static IResult Create(int status, string type, string title, string detail, long? currentVersion = null)
    {
        Dictionary<string, object?>? extensions = currentVersion is { } v ? new() { ["currentVersion"] = v } : null;
        return Results.Problem(detail: detail, statusCode: status, title: title, type: TypePrefix + type, extensions: extensions);
    }
}
