using System.Text;

namespace OrleansHotData;

/// <summary>The rules every interface applies to an entity key before it reaches a grain.</summary>
public static class HotDataKey
{
    /// <summary>The default upper bound of a key's length in UTF-8 bytes.</summary>
    public const int DefaultMaxBytes = 512;

    /// <summary>
    /// Checks a key: 1 to <paramref name="maxBytes"/> UTF-8 bytes, no control characters, no unpaired surrogates.
    /// </summary>
    /// <returns><see langword="null"/> when the key is valid, otherwise one sentence saying what is wrong.</returns>
    public static string? Validate(string? key, int maxBytes = DefaultMaxBytes)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "The key is empty.";
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsControl(c))
            {
                return $"The key contains the control character U+{(int)c:X4} at position {i}.";
            }

            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[++i])))
            {
                return $"The key contains an unpaired surrogate at position {i}.";
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(key);
        return bytes > maxBytes ? $"The key is {bytes} UTF-8 bytes long; the limit is {maxBytes}." : null;
    }
}
