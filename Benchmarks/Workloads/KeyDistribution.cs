namespace OrleansHotData.Benchmarks.Workloads;

/// <summary>Picks key indexes in [0, keys): uniformly, or Zipf-distributed (index 0 the hottest).</summary>
public sealed class KeyDistribution
{
    private readonly Random _random;
    private readonly double[]? _cumulative;

    private KeyDistribution(int keys, Random random, double[]? cumulative, string name)
    {
        Keys = keys;
        _random = random;
        _cumulative = cumulative;
        Name = name;
    }

    public int Keys { get; }

    public string Name { get; }

    public static KeyDistribution Uniform(int keys, int seed) => new(keys, new Random(seed), null, "uniform");

    /// <summary>P(index i) proportional to 1 / (i + 1)^<paramref name="exponent"/>.</summary>
    public static KeyDistribution Zipf(int keys, double exponent, int seed)
    {
        var cumulative = new double[keys];
        var sum = 0.0;
        for (var i = 0; i < keys; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, exponent);
            cumulative[i] = sum;
        }

        for (var i = 0; i < keys; i++)
        {
            cumulative[i] /= sum;
        }

        return new KeyDistribution(keys, new Random(seed), cumulative, FormattableString.Invariant($"Zipf s={exponent}"));
    }

    public int Next()
    {
        if (_cumulative is null)
        {
            return _random.Next(Keys);
        }

        var index = Array.BinarySearch(_cumulative, _random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, Keys - 1);
    }

    /// <summary>A sequence of <paramref name="count"/> key indexes.</summary>
    public int[] Sequence(int count)
    {
        var sequence = new int[count];
        for (var i = 0; i < count; i++)
        {
            sequence[i] = Next();
        }

        return sequence;
    }
}
