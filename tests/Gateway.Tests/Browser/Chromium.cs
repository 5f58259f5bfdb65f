using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Browser;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, which <c>tests/run.sh</c> installs), headless and
/// driven by Playwright, shared by the tests of a class; each test opens its own context.
/// </summary>
/// <remarks>
/// Playwright never downloads a browser here: it is given the executable. Each launch gets a new,
/// empty profile directory of Playwright's own. The flags keep Chromium off the network beyond the
/// page under test: on a machine without internet, its background services would otherwise make
/// many refused connections at every start.
/// </remarks>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not been launched.");

    /// <summary>Where screenshots land: <c>artifacts/screenshots</c> at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(PublishedGateway.RepositoryRoot, "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        FullTierAttribute.Require("Chromium");
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Debian's Chromium at {ExecutablePath}. Run the tests with `bash tests/run.sh`, which installs it, " +
                "or `apt-get install chromium`. Nothing here downloads a browser.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Saves a screenshot of this part of the page under <see cref="ScreenshotDirectory"/> and attaches it to the test's result.</summary>
    public static async Task ScreenshotAsync(ILocator part, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        var png = await part.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        TestContext.Current.AddAttachment(name, png, "image/png");
    }
}
