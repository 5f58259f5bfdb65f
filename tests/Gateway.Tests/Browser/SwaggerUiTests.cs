using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Browser;

/// <summary>
/// Swagger UI in Debian's Chromium, against the published gateway in sandbox mode, used the way a
/// newcomer uses it: Authorize with the sandbox key, then "Try it out" route by route.
/// </summary>
[Collection(nameof(BrowserTestGroup))]
[FullTier("Chromium and the published gateway")]
public sealed class SwaggerUiTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private const string SandboxKey = "sandbox-caller-key";

    /// <summary>Where this test's sandbox gateway keeps the videos it copies; removed after it.</summary>
    private readonly DirectoryInfo _videos = Directory.CreateTempSubdirectory("gateway-videos-");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_newcomer_authorizes_submits_a_remix_sees_202_then_COMPLETED_and_watches_the_video_in_Swagger_UI()
    {
        await using var gateway = await StartSandboxAsync(queueTime: "00:00:00.5", runTime: "00:00:01");
        await using var context = await NewContextAsync(gateway);
        var page = await OpenSwaggerUiAsync(context);
        await AuthorizeAsync(page);

        var submit = await TryItOutAsync(page, "SubmitRemix");
        var accepted = await ExecuteAsync(submit, "/remix");
        await ExpectAnswerAsync(submit, 202, "\"IN_QUEUE\"");
        var requestId = (await accepted.JsonAsync())!.Value.GetProperty("request_id").GetString()!;
        await Chromium.ScreenshotAsync(submit, "swagger-submit-202");

        var status = await TryItOutAsync(page, "GetRemixStatus", requestId);
        var seen = new List<string>();
        for (var attempt = 0; attempt < 60 && seen.LastOrDefault() != "COMPLETED"; attempt++)
        {
            var answer = await ExecuteAsync(status, $"/remix/{requestId}/status");
            seen.Add((await answer.JsonAsync())!.Value.GetProperty("status").GetString()!);
            await Task.Delay(250, Cancellation);
        }

        Assert.Equal("COMPLETED", seen.Last());
        await ExpectAnswerAsync(status, 200, "\"COMPLETED\"");
        await Chromium.ScreenshotAsync(status, "swagger-status-completed");

        // The gateway copies the video into its storage (custody is on in sandbox mode): the result then
        // answers its own signed link, which the player plays without a caller key.
        await WaitUntilKeptAsync(gateway, requestId);
        var result = await TryItOutAsync(page, "GetRemixResult", requestId);
        await ExecuteAsync(result, $"/remix/{requestId}");
        await ExpectAnswerAsync(result, 200, "\"kept_by_gateway\": true");
        var video = result.Locator("video.remix-video");
        await Expect(video).ToBeVisibleAsync();
        await video.EvaluateAsync("v => v.play()");

        // Playing, not just present: Chromium decoded frames (H.264 in MP4) and the clock moved on.
        await page.WaitForFunctionAsync(
            "v => v.error === null && v.readyState >= 2 && v.currentTime > 0.5",
            await video.ElementHandleAsync(),
            new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Equal(320, await video.EvaluateAsync<int>("v => v.videoWidth"));
        Assert.StartsWith($"{gateway.Address}videos/{requestId}?expires=", await video.EvaluateAsync<string>("v => v.currentSrc"), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(result, "swagger-result-video");
    }

    private static async Task WaitUntilKeptAsync(GatewayProcess gateway, string requestId)
    {
        using var client = new HttpClient { BaseAddress = gateway.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", SandboxKey);
        for (var attempt = 0; ; attempt++)
        {
            using var answer = await client.GetAsync($"/remix/{requestId}", Cancellation);
            if (answer.StatusCode == System.Net.HttpStatusCode.OK
                && System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Cancellation)).RootElement.GetProperty("video").GetProperty("kept_by_gateway").GetBoolean())
            {
                return;
            }

            Assert.True(attempt < 100, $"Remix {requestId}'s video was not kept.");
            await Task.Delay(100, Cancellation);
        }
    }

    [Fact]
    public async Task A_remix_canceled_through_Swagger_UI_shows_CANCELED_and_its_result_is_a_410_problem()
    {
        // Long enough in the queue that the cancel always comes first.
        await using var gateway = await StartSandboxAsync(queueTime: "00:10:00", runTime: "00:00:01");
        await using var context = await NewContextAsync(gateway);
        var page = await OpenSwaggerUiAsync(context);
        await AuthorizeAsync(page);

        var submit = await TryItOutAsync(page, "SubmitRemix");
        var accepted = await ExecuteAsync(submit, "/remix");
        var requestId = (await accepted.JsonAsync())!.Value.GetProperty("request_id").GetString()!;

        var cancel = await TryItOutAsync(page, "CancelRemix", requestId);
        await ExecuteAsync(cancel, $"/remix/{requestId}/cancel");
        await ExpectAnswerAsync(cancel, 202, "CANCELLATION_REQUESTED");

        var status = await TryItOutAsync(page, "GetRemixStatus", requestId);
        string? state = null;
        for (var attempt = 0; attempt < 40 && state != "CANCELED"; attempt++)
        {
            state = (await (await ExecuteAsync(status, $"/remix/{requestId}/status")).JsonAsync())!.Value.GetProperty("status").GetString();
            await Task.Delay(250, Cancellation);
        }

        await ExpectAnswerAsync(status, 200, "\"CANCELED\"");
        var result = await TryItOutAsync(page, "GetRemixResult", requestId);
        await ExecuteAsync(result, $"/remix/{requestId}");
        await ExpectAnswerAsync(result, 410, "/problems/remix-canceled");
        await Chromium.ScreenshotAsync(result, "swagger-cancel-410");
    }

    public void Dispose() => _videos.Delete(recursive: true);

    private async Task<GatewayProcess> StartSandboxAsync(string queueTime, string runTime)
    {
        var gateway = GatewayProcess.Start(
            await PublishedGateway.PathAsync(Cancellation),
            ["--sandbox"],
            new Dictionary<string, string?>
            {
                ["Emulator__QueueTime"] = queueTime,
                ["Emulator__RunTime"] = runTime,
                ["Sunra__StatusPollIntervalSeconds"] = "0.2",
                ["Gateway__Custody__Directory"] = _videos.FullName,
            });
        try
        {
            await gateway.WaitUntilReadyAsync(Cancellation);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    private Task<IBrowserContext> NewContextAsync(GatewayProcess gateway)
    {
        TestContext.Current.AddAttachment("browser", "Chromium " + chromium.Browser.Version);
        return chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.Address.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
        });
    }

    private static async Task<IPage> OpenSwaggerUiAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync("/swagger");
        await Expect(page.Locator(".information-container .title")).ToContainTextAsync("Sora Remix Gateway");
        Assert.Empty(errors);
        return page;
    }

    /// <summary>Authorize, as a person does: the key in the X-Api-Key scheme of the dialog.</summary>
    private static async Task AuthorizeAsync(IPage page)
    {
        await page.Locator(".auth-wrapper button.authorize").ClickAsync();
        var apiKey = page.Locator(".modal-ux .auth-container").Filter(new LocatorFilterOptions { HasText = "X-Api-Key" });
        await apiKey.Locator("input").FillAsync(SandboxKey);
        await apiKey.Locator("button.authorize").ClickAsync();
        await Expect(apiKey.GetByRole(AriaRole.Heading, new LocatorGetByRoleOptions { Name = "Authorized" })).ToBeVisibleAsync();
        await apiKey.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Close" }).ClickAsync();
    }

    /// <summary>Opens an operation, presses "Try it out" and fills in the request_id when there is one.</summary>
    private static async Task<ILocator> TryItOutAsync(IPage page, string operationId, string? requestId = null)
    {
        var operation = page.Locator($"#operations-Remix-{operationId}");
        if (await operation.Locator("button.try-out__btn").CountAsync() == 0)
        {
            await operation.Locator(".opblock-summary-control").ClickAsync();
        }

        await operation.Locator("button.try-out__btn").ClickAsync();
        if (requestId is not null)
        {
            await operation.Locator("tr[data-param-name='request_id'] input").FillAsync(requestId);
        }

        return operation;
    }

    /// <summary>Presses Execute and returns the answer the page received.</summary>
    private static Task<IResponse> ExecuteAsync(ILocator operation, string path) =>
        operation.Page.RunAndWaitForResponseAsync(
            () => operation.Locator("button.execute").ClickAsync(),
            response => new Uri(response.Url).AbsolutePath == path);

    /// <summary>What the person reads under "Server response": the code and the body.</summary>
    private static async Task ExpectAnswerAsync(ILocator operation, int status, string bodyHolds)
    {
        var answer = operation.Locator(".live-responses-table tr.response");
        await Expect(answer.Locator(".response-col_status")).ToHaveTextAsync(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(answer.Locator(".response-col_description")).ToContainTextAsync(bodyHolds);
    }
}

/// <summary>
/// The browser tests run alone, after the others: Chromium and two gateways are the heaviest load
/// in the suite, and on two cores they would slow the tests that watch a sandbox remix's timing.
/// </summary>
[CollectionDefinition(nameof(BrowserTestGroup), DisableParallelization = true)]
public sealed class BrowserTestGroup;
