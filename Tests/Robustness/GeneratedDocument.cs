using System.Text;

namespace OrleansHotData.Tests.Robustness;

/// <summary>A request body or record value the generator made, and what is wrong with it, if anything.</summary>
/// <param name="Bytes">The bytes sent.</param>
/// <param name="Tree">The document, when the bytes are one well-formed JSON document.</param>
/// <param name="Defect">Why the document must be refused before it is applied, or <see cref="DocumentDefect.None"/>.</param>
/// <param name="Kind">A short name of what was generated, for the report of a failure.</param>
public sealed record GeneratedDocument(byte[] Bytes, ModelJson? Tree, DocumentDefect Defect, string Kind)
{
    public static GeneratedDocument Valid(ModelJson tree, JsonLayout layout, string kind) =>
        new(Encoding.UTF8.GetBytes(tree.Render(layout)), tree, tree.HasDuplicateNames ? DocumentDefect.DuplicateNames : tree.Depth > JsonChangeModel.MaxDepth ? DocumentDefect.TooDeep : DocumentDefect.None, kind);

    public static GeneratedDocument Broken(string text, DocumentDefect defect, string kind) => new(Encoding.UTF8.GetBytes(text), null, defect, kind);

    /// <summary>The bytes as text for a failure report: invalid UTF-8 shown as \xNN, long documents shortened.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        var decoder = new UTF8Encoding(false, true);
        try
        {
            text.Append(decoder.GetString(Bytes));
        }
        catch (DecoderFallbackException)
        {
            foreach (var b in Bytes)
            {
                text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}");
            }
        }

        var shown = text.Length > 400 ? string.Concat(text.ToString(0, 200), $" …({Bytes.Length} bytes)… ", text.ToString(text.Length - 100, 100)) : text.ToString();
        return $"[{Kind}, {Defect}] {shown.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal)}";
    }
}
