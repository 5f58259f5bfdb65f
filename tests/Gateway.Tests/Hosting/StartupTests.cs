using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>The real process, as a newcomer or a container starts it.</summary>
[FullTier("the gateway as a process")]
public sealed class StartupTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_key_or_the_sandbox_the_gateway_refuses_to_start_and_names_both()
    {
        await using var gateway = GatewayProcess.Start([], new Dictionary<string, string?>());

        await WaitForExitAsync(gateway);

        Assert.Equal(1, gateway.Process.ExitCode);
        Assert.Contains("SUNRA_KEY", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("--sandbox", gateway.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sk_live key with spaces")]
    [InlineData("sk_live_été")]
    [InlineData("sk_live_bell")]
    public async Task A_key_that_cannot_be_sent_in_a_header_stops_the_start_with_a_message(string key)
    {
        await using var gateway = GatewayProcess.Start([], new Dictionary<string, string?> { ["SUNRA_KEY"] = key });

        await WaitForExitAsync(gateway);

        Assert.Equal(1, gateway.Process.ExitCode);
        Assert.Contains("The Sunra key holds characters that cannot be sent", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_on_the_command_line_is_not_read()
    {
        await using var gateway = GatewayProcess.Start(["--SUNRA_KEY=sk_canary_commandline_000000000000"], new Dictionary<string, string?>());

        await WaitForExitAsync(gateway);

        Assert.Equal(1, gateway.Process.ExitCode);
        Assert.Contains("No Sunra key", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_sandbox_mode_a_remix_completes_within_seconds_and_its_video_is_served_by_the_gateway()
    {
        await using var gateway = GatewayProcess.Start(
            ["--sandbox"],
            new Dictionary<string, string?>
            {
                // Long enough that the first poll, even on a busy machine, finds the remix still queued.
                ["Emulator__QueueTime"] = "00:00:01",

                // Long enough that a poll on a busy machine still sees the remix running.
                ["Emulator__RunTime"] = "00:00:01",

                // A status is fresh for one poll interval: a shorter one than the run shows every state.
                ["Sunra__StatusPollIntervalSeconds"] = "0.05",
            });
        await gateway.WaitUntilReadyAsync(Cancellation);
        using var client = new HttpClient { BaseAddress = gateway.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", "sandbox-caller-key");

        using var submitted = await client.PostAsync("/remix", Http.Json(Http.Remix("video_sandbox", "a sandbox remix 🎬")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = (await submitted.ReadJsonAsync()).GetProperty("request_id").GetString()!;

        var seen = new List<string>();
        for (var i = 0; i < 100 && seen.LastOrDefault() != "COMPLETED"; i++)
        {
            using var status = await client.GetAsync($"/remix/{id}/status", Cancellation);
            var state = (await status.ReadJsonAsync()).GetProperty("status").GetString()!;
            if (seen.LastOrDefault() != state)
            {
                seen.Add(state);
            }

            await Task.Delay(50, Cancellation);
        }

        Assert.Equal(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"], seen);
        using var result = await client.GetAsync($"/remix/{id}", Cancellation);
        var video = (await result.ReadJsonAsync()).GetProperty("video");
        var url = new Uri(video.GetProperty("url").GetString()!);
        Assert.Equal(gateway.Address.Authority, url.Authority);

        using var download = await client.GetAsync(url, Cancellation);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("video/mp4", download.Content.Headers.ContentType?.MediaType);
        var bytes = await download.Content.ReadAsByteArrayAsync(Cancellation);
        Assert.Equal("ftyp"u8.ToArray(), bytes[4..8]);

        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
        using var partial = await client.SendAsync(range, Cancellation);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);

        Assert.Contains("Sandbox mode", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("sandbox-caller-key", gateway.Output, StringComparison.Ordinal);

        // Production logs are compact JSON, a line an event: the request lines name the caller,
        // Sunra's request id, the gateway's request id and the trace.
        var submitLine = gateway.RequestLine("/remix");
        Assert.Equal("sandbox", submitLine.GetProperty("Caller").GetString());
        Assert.StartsWith("req_", submitLine.GetProperty("SunraRequestId").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(submitLine.GetProperty("GatewayRequestId").GetString()));
        Assert.Matches("^[0-9a-f]{32}$", submitLine.GetProperty("@tr").GetString());
    }

    [Fact]
    public async Task The_largest_valid_body_is_accepted_megabytes_get_a_413_problem_and_no_server_banner_is_sent()
    {
        await using var gateway = GatewayProcess.Start(["--sandbox"], new Dictionary<string, string?>());
        await gateway.WaitUntilReadyAsync(Cancellation);
        using var client = new HttpClient { BaseAddress = gateway.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", "sandbox-caller-key");

        // 5000 code points, each an astral character written as two \uXXXX escapes: 60 KB of JSON.
        var escapedPrompt = string.Concat(Enumerable.Repeat("\\uD83C\\uDFAC", 5000));
        var largest = $$"""{"video_id": "video_123", "prompt": "{{escapedPrompt}}"}""";
        Assert.InRange(largest.Length, 60_000, 61_000);
        using var accepted = await client.PostAsync("/remix", Http.Json(largest), Cancellation);

        using var huge = await client.PostAsync("/remix", Http.Json(Http.Remix("video_123", new string('a', 3_000_000))), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await huge.AssertProblemAsync(413, "/problems/payload-too-large");
        Assert.False(accepted.Headers.Contains("Server"));
        Assert.False(huge.Headers.Contains("Server"));
    }

    [Fact]
    public async Task The_published_configuration_serves_Swagger_UI_and_the_document_in_Production()
    {
        await using var gateway = GatewayProcess.Start([], new Dictionary<string, string?> { ["SUNRA_KEY"] = "sk_canary_startup_0000000000000000" });
        await gateway.WaitUntilReadyAsync(Cancellation);
        using var client = new HttpClient { BaseAddress = gateway.Address };

        using var swagger = await client.GetAsync("/swagger/index.html", Cancellation);
        using var document = await client.GetAsync("/openapi/v1.json", Cancellation);
        using var nul = await client.GetAsync("/remix/a%00b/status", Cancellation);

        Assert.Equal(HttpStatusCode.OK, swagger.StatusCode);
        Assert.Equal("Sora Remix Gateway", JsonDocument.Parse(await document.Content.ReadAsStringAsync(Cancellation)).RootElement.GetProperty("info").GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.DoesNotContain("sk_canary_startup", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateway_writes_no_data_protection_keys_as_it_protects_no_cookies_or_tokens()
    {
        var home = Directory.CreateTempSubdirectory("gateway-home-");
        var videos = Directory.CreateTempSubdirectory("gateway-videos-");
        try
        {
            // The kept videos are the gateway's data, in a directory of their own (by default under HOME).
            await using var gateway = GatewayProcess.Start(
                ["--sandbox"], new Dictionary<string, string?> { ["HOME"] = home.FullName, ["Gateway__Custody__Directory"] = videos.FullName });
            await gateway.WaitUntilReadyAsync(Cancellation);
            using var client = new HttpClient { BaseAddress = gateway.Address };
            client.DefaultRequestHeaders.Add("X-Api-Key", "sandbox-caller-key");

            using var accepted = await client.PostAsync("/remix", Http.Json(Http.Remix("video_123", "The same scene at dusk")), Cancellation);
            using var stranger = new HttpClient { BaseAddress = gateway.Address };
            stranger.DefaultRequestHeaders.Add("X-Api-Key", "not-a-caller-key");
            using var refused = await stranger.GetAsync("/remix/pd_unknown/status", Cancellation);
            await gateway.TerminateAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            await refused.AssertProblemAsync(401, "/problems/unauthenticated");
            Assert.Empty(home.EnumerateFileSystemInfos("*", SearchOption.AllDirectories));
        }
        finally
        {
            home.Delete(recursive: true);
            videos.Delete(recursive: true);
        }
    }

    private static async Task WaitForExitAsync(GatewayProcess gateway)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await gateway.Process.WaitForExitAsync(timeout.Token);
    }
}
