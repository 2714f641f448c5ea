namespace OrleansHotData.Tests.Infrastructure;

/// <summary>
/// Where tests leave files for people to look at: under the test results directory, <c>.hotdata/test-results</c>
/// (where <c>./hotdata test</c> writes its results) unless <c>HOTDATA_TEST_RESULTS</c> names another.
/// </summary>
public static class TestArtifacts
{
    public static string Directory(string name)
    {
        var results = Environment.GetEnvironmentVariable("HOTDATA_TEST_RESULTS");
        if (string.IsNullOrWhiteSpace(results))
        {
            // The tests run from {repo}/Tests/bin/{configuration}/{tfm}/.
            var repository = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.Parent!;
            results = Path.Combine(repository.FullName, ".hotdata", "test-results");
        }

        var path = Path.Combine(results, name);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
