namespace OrleansHotData.Tests.Robustness;

/// <summary>How the generator lays a document out as text.</summary>
/// <param name="Indent">One level's indentation, or <see langword="null"/> for compact text on one line.</param>
/// <param name="NewLine">The line break between members when indented: "\n" or "\r\n".</param>
/// <param name="EscapeNonAscii">Whether to write characters beyond ASCII as \uXXXX escapes.</param>
public sealed record JsonLayout(string? Indent, string NewLine, bool EscapeNonAscii)
{
    public static readonly JsonLayout Compact = new(null, "\n", false);

    public static readonly IReadOnlyList<JsonLayout> All =
    [
        Compact,
        new("  ", "\n", false),
        new("\t", "\r\n", false),
        new(" ", "\r\n", true),
        new(null, "\n", true),
    ];
}
