namespace OrleansHotData.Tests.Robustness;

/// <summary>What makes a generated document one the system must refuse whatever the key's state.</summary>
public enum DocumentDefect
{
    None,

    /// <summary>An object names a member twice, at any depth (also through an escape): refused.</summary>
    DuplicateNames,

    /// <summary>Nested deeper than 64 levels: refused.</summary>
    TooDeep,

    /// <summary>Not JSON at all, or empty.</summary>
    InvalidJson,

    /// <summary>Bytes that are not UTF-8.</summary>
    InvalidUtf8,

    /// <summary>Over the configured value size limit.</summary>
    TooLarge,

    /// <summary>
    /// Legal JSON syntax holding an escaped UTF-16 surrogate without its pair, which is not text: refused like a
    /// duplicate name (HTTP 400). Sent over HTTP only.
    /// </summary>
    LoneSurrogate,
}
