using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrleansHotData.Tests.Infrastructure;

namespace OrleansHotData.Tests.Observability;

/// <summary>
/// The Orleans dashboard and the operations page in a real headless browser (Debian's chromium), against the two live
/// silos of the fixture; screenshots are saved with the test results.
/// </summary>
[Collection(ObservabilityDefinition.Name)]
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed partial class DashboardBrowserTests(ObservabilityFixture fixture) : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run 'apt-get install -y chromium' (./hotdata test does it for you).");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Keep the browser on loopback: no update, sync or component traffic.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    [Fact]
    public async Task Dashboard_shows_the_live_silos_and_the_hot_data_grains()
    {
        await GenerateTrafficAsync();
        var page = await NewPageAsync();
        await page.GotoAsync(fixture.Silos[0].HttpUrl + "/dashboard/");

        // The overview counts the active silos.
        await Eventually.TrueAsync(
            async () => ActiveSilos().IsMatch(await page.InnerTextAsync("body")),
            Deadline,
            "the dashboard overview to count 2 active silos");
        await ScreenshotAsync(page, "dashboard-overview");

        // The silos page lists both silos by their silo port.
        await page.GetByRole(AriaRole.Link, new() { Name = "Silos" }).First.ClickAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                var text = await page.InnerTextAsync("body");
                return fixture.Silos.All(s => text.Contains(":" + s.SiloPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            },
            Deadline,
            "the silos page to list both silos");
        await ScreenshotAsync(page, "dashboard-silos");

        // The grains page lists the hot-data grain type with its activations.
        await page.GetByRole(AriaRole.Link, new() { Name = "Grains" }).First.ClickAsync();
        await Eventually.TrueAsync(
            async () => (await page.InnerTextAsync("body")).Contains("HotDataGrain", StringComparison.Ordinal),
            Deadline,
            "the grains page to list HotDataGrain");
        await ScreenshotAsync(page, "dashboard-grains");
    }

    [Fact]
    public async Task Operations_page_shows_both_silos_the_partitions_and_the_api_routes()
    {
        await GenerateTrafficAsync();
        var page = await NewPageAsync();
        await page.GotoAsync(fixture.Silos[1].HttpUrl + "/ops");

        await Assertions.Expect(page.Locator("#silo-count")).ToHaveTextAsync("2", new() { Timeout = Milliseconds(Deadline) });
        var silos = await page.Locator("#silos tbody").InnerTextAsync();
        foreach (var silo in fixture.Silos)
        {
            Assert.Contains(":" + silo.SiloPort.ToString(CultureInfo.InvariantCulture), silos, StringComparison.Ordinal);
        }

        await Assertions.Expect(page.Locator("#partitions tbody tr")).ToHaveCountAsync(ObservabilityFixture.Partitions, new() { Timeout = Milliseconds(Deadline) });
        Assert.Contains(fixture.Topic, await page.Locator("#partitions tbody").InnerTextAsync(), StringComparison.Ordinal);
        // The API counts arrive with the silos' next statistics report, which may come after the partitions.
        await Assertions.Expect(page.Locator("#api tbody")).ToContainTextAsync("/v1/keys/{key}", new() { Timeout = Milliseconds(Deadline) });
        // Rates need two snapshots: wait for the ingest rate to be a number.
        await Eventually.TrueAsync(
            async () => double.TryParse(await page.Locator("#ingest-rate").InnerTextAsync(), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            Deadline,
            "the ingest rate to be computed");
        await Assertions.Expect(page.Locator("#dead-lettered")).Not.ToHaveTextAsync("0", new() { Timeout = Milliseconds(Deadline) });
        await ScreenshotAsync(page, "operations");
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        return await context.NewPageAsync();
    }

    /// <summary>Kafka records (one of them a poison record) and API calls, so every panel has something to show.</summary>
    private async Task GenerateTrafficAsync()
    {
        var keys = Enumerable.Range(0, 20).Select(i => ObservabilityFixture.NewKey($"browse{i}")).ToList();
        await Task.WhenAll(keys.Select(k => fixture.ProduceAsync(k, """{"n":1}""")));
        await fixture.ProduceAsync(ObservabilityFixture.NewKey("poison"), "{broken");
        foreach (var key in keys.Take(5))
        {
            using var response = await fixture.SiloHttp[0].PutAsync("/v1/keys/" + key, new StringContent("""{"n":2}""", System.Text.Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = TestArtifacts.Directory("screenshots");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    [GeneratedRegex(@"active silos\s*2\b", RegexOptions.IgnoreCase)]
    private static partial Regex ActiveSilos();

    private static float Milliseconds(TimeSpan time) => (float)time.TotalMilliseconds;
}
