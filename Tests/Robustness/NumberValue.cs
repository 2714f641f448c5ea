using System.Globalization;
using System.Numerics;

namespace OrleansHotData.Tests.Robustness;

/// <summary>
/// A JSON number's exact value, Significand × 10^Exponent, normalized (no trailing zeros in the significand, zero as
/// 0 × 10^0), so -0, 0.0 and 0e5 are equal, as are 1e2, 100 and 1.00E+2.
/// </summary>
public readonly record struct NumberValue(BigInteger Significand, int Exponent)
{
    public static NumberValue Parse(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        var i = 0;
        var negative = literal[0] == '-';
        if (negative)
        {
            i++;
        }

        var digits = new System.Text.StringBuilder();
        var exponent = 0;
        while (i < literal.Length && char.IsAsciiDigit(literal[i]))
        {
            digits.Append(literal[i++]);
        }

        if (i < literal.Length && literal[i] == '.')
        {
            i++;
            while (i < literal.Length && char.IsAsciiDigit(literal[i]))
            {
                digits.Append(literal[i++]);
                exponent--;
            }
        }

        if (i < literal.Length && (literal[i] == 'e' || literal[i] == 'E'))
        {
            exponent += int.Parse(literal.AsSpan(i + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var significand = BigInteger.Parse(digits.ToString(), CultureInfo.InvariantCulture);
        return Normalize(negative ? -significand : significand, exponent);
    }

    /// <summary>The exact sum.</summary>
    public NumberValue Add(NumberValue other)
    {
        var exponent = Math.Min(Exponent, other.Exponent);
        var a = Significand * BigInteger.Pow(10, Exponent - exponent);
        var b = other.Significand * BigInteger.Pow(10, other.Exponent - exponent);
        return Normalize(a + b, exponent);
    }

    /// <summary>The value as a JSON number literal.</summary>
    public override string ToString() => Exponent == 0
        ? Significand.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Significand}e{Exponent}");

    private static NumberValue Normalize(BigInteger significand, int exponent)
    {
        if (significand.IsZero)
        {
            return new NumberValue(BigInteger.Zero, 0);
        }

        while (significand % 10 == 0)
        {
            significand /= 10;
            exponent++;
        }

        return new NumberValue(significand, exponent);
    }
}
