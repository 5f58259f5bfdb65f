using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Remix;

/// <summary>The whole queue lifecycle, with the emulator's clock in the test's hand.</summary>
public sealed class LifecycleTests : GatewayTest
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock;

    public LifecycleTests()
        : this(new FakeTimeProvider())
    {
    }

    private LifecycleTests(FakeTimeProvider clock)
        : base(
            options => { options.QueueTime = Step; options.RunTime = Step; },
            clock,
            new Dictionary<string, string?> { ["Sunra:CircuitBreakSeconds"] = "1" })
    {
        _clock = clock;
    }

    [Fact]
    public async Task A_submit_answers_202_with_a_location_and_only_the_gateways_own_urls()
    {
        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("video_1", "at night")), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.ReadJsonAsync();
        var id = accepted.GetProperty("request_id").GetString()!;
        Assert.Equal($"/remix/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("IN_QUEUE", accepted.GetProperty("status").GetString());
        Assert.Equal(0, accepted.GetProperty("queue_position").GetInt32());
        Assert.Equal($"/remix/{id}/status", accepted.GetProperty("status_url").GetString());
        Assert.Equal($"/remix/{id}", accepted.GetProperty("result_url").GetString());
        Assert.Equal($"/remix/{id}/cancel", accepted.GetProperty("cancel_url").GetString());
        Assert.Equal($"/remix/{id}/events", accepted.GetProperty("events_url").GetString());
        Assert.DoesNotContain(Sunra.Origin.Authority, accepted.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("response_url", accepted.GetRawText(), StringComparison.Ordinal);

        var call = Assert.Single(Sunra.Calls.All);
        Assert.Equal("POST", call.Method);
        Assert.Equal("/v1/queue/openai/sora-2/video-to-video", call.PathAndQuery);
        Assert.Equal($"Key {GatewayFactory.SunraKey}", call.Authorization);
    }

    [Fact]
    public async Task A_remix_goes_from_IN_QUEUE_to_IN_PROGRESS_to_COMPLETED_and_then_its_video_is_served()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

        var queued = await StatusAsync(id);
        Assert.Equal("IN_QUEUE", queued.GetProperty("status").GetString());
        Assert.Equal(0, queued.GetProperty("queue_position").GetInt32());
        await AssertNotReadyAsync(id, "IN_QUEUE");

        await AdvanceAsync(Step);
        var running = await StatusAsync(id);
        Assert.Equal("IN_PROGRESS", running.GetProperty("status").GetString());
        Assert.False(running.TryGetProperty("queue_position", out _));
        await AssertNotReadyAsync(id, "IN_PROGRESS");

        await AdvanceAsync(Step);
        var done = await StatusAsync(id);
        Assert.Equal("COMPLETED", done.GetProperty("status").GetString());
        Assert.True(done.GetProperty("success").GetBoolean());
        Assert.False(done.TryGetProperty("error", out _));
        Assert.Equal(Step.TotalSeconds, done.GetProperty("metrics").GetProperty("inference_time").GetDouble());

        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        var video = (await result.ReadJsonAsync()).GetProperty("video");
        Assert.Equal("video/mp4", video.GetProperty("content_type").GetString());
        Assert.Equal($"{id}.mp4", video.GetProperty("file_name").GetString());

        using var download = new HttpClient();
        var bytes = await download.GetByteArrayAsync(video.GetProperty("url").GetString(), Cancellation);
        Assert.Equal(video.GetProperty("file_size").GetInt64(), bytes.Length);
        Assert.Equal("ftyp"u8.ToArray(), bytes[4..8]);
    }

    [Fact]
    public async Task The_queue_position_counts_the_remixes_ahead()
    {
        await Client.SubmitAsync();
        await AdvanceAsync(TimeSpan.FromMilliseconds(1));
        var second = await Client.SubmitAsync();

        Assert.Equal(1, second.GetProperty("queue_position").GetInt32());
        Assert.Equal(1, (await StatusAsync(second.GetProperty("request_id").GetString()!)).GetProperty("queue_position").GetInt32());
    }

    [Fact]
    public async Task Logs_are_in_the_status_only_when_asked_for()
    {
        var id = (await Client.SubmitAsync(videoId: "video_logs")).GetProperty("request_id").GetString()!;
        await AdvanceAsync(Step);

        var without = await StatusAsync(id);
        var with = await StatusAsync(id, "?logs=true");

        Assert.False(without.TryGetProperty("logs", out _));
        Assert.Contains("video_logs", with.GetProperty("logs").GetString(), StringComparison.Ordinal);
        Assert.Equal(["/status?logs=0", "/status?logs=1"], Sunra.Calls.All.Where(c => c.Method == "GET").Select(c => c.PathAndQuery[c.PathAndQuery.LastIndexOf('/')..]));
    }

    [Fact]
    public async Task A_canceled_remix_shows_CANCELED_and_its_result_is_gone()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

        using var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("CANCELLATION_REQUESTED", (await cancel.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Contains(Sunra.Calls.All, c => c.Method == "PUT" && c.PathAndQuery == $"/v1/queue/requests/{id}/cancel");
        Assert.Equal("CANCELED", (await StatusAsync(id)).GetProperty("status").GetString());
        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);
        await result.AssertProblemAsync(410, "/problems/remix-canceled");
    }

    [Fact]
    public async Task Canceling_a_completed_remix_is_a_409_problem_with_Sunras_reason()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        await AdvanceAsync(Step * 2);

        using var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation);

        var problem = await cancel.AssertProblemAsync(409, "/problems/not-cancellable");
        Assert.Contains("already completed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("COMPLETED", (await StatusAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_failed_generation_is_COMPLETED_without_success_and_its_result_is_a_422_problem()
    {
        Sunra.Requests.FailNextGeneration("content_policy_violation", "The prompt was flagged by the content policy.");
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        await AdvanceAsync(Step * 2);

        var status = await StatusAsync(id);
        Assert.Equal("COMPLETED", status.GetProperty("status").GetString());
        Assert.False(status.GetProperty("success").GetBoolean());
        Assert.Equal("content_policy_violation", status.GetProperty("error").GetProperty("code").GetString());

        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);
        var problem = await result.AssertProblemAsync(422, "/problems/generation-failed");
        Assert.Equal("The prompt was flagged by the content policy.", problem.GetProperty("detail").GetString());
        Assert.Equal("content_policy_violation", problem.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Events_stream_each_status_change_and_end_after_the_terminal_one()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

        using var response = await Client.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(Cancellation)).EnumerateAsync(Cancellation).GetAsyncEnumerator(Cancellation);

        var seen = new List<(string? Id, string Type, string Status)>();
        while (await events.MoveNextAsync())
        {
            var status = JsonDocument.Parse(events.Current.Data).RootElement;
            Assert.Equal(id, status.GetProperty("request_id").GetString());
            seen.Add((events.Current.EventId, events.Current.EventType, status.GetProperty("status").GetString()!));
            await AdvanceAsync(Step);
        }

        Assert.Equal(
            [("IN_QUEUE.0", "status", "IN_QUEUE"), ("IN_PROGRESS", "status", "IN_PROGRESS"), ("COMPLETED", "status", "COMPLETED")],
            seen);
    }

    [Theory]
    [InlineData(500, 1 + (5 * 3))]
    [InlineData(401, 2)]
    public async Task An_events_stream_ends_when_Sunra_keeps_failing_or_refuses_the_gateway(int status, int mostStatusCalls)
    {
        // The first status, then five failed polls: of up to three tries each for a 5xx (fewer once
        // the circuit opens), of one try for a refusal, which is not retried.
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        using var response = await Client.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(Cancellation)).EnumerateAsync(Cancellation).GetAsyncEnumerator(Cancellation);
        Assert.True(await events.MoveNextAsync());

        Sunra.Script.Enqueue(global::Sunra.Emulator.SunraOperation.Status, new global::Sunra.Emulator.Fault(status, "{}"), times: 15);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(deadline.Token));
        Assert.InRange(Sunra.Calls.All.Count(c => c.PathAndQuery.Contains("/status", StringComparison.Ordinal)), 2, mostStatusCalls);
    }

    [Theory]
    [MemberData(nameof(RemixRoutes.For), "pd_unknown", MemberType = typeof(RemixRoutes))]
    public async Task A_request_id_the_gateway_never_accepted_is_a_404_problem_and_Sunra_is_not_asked(string method, string url)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Cancellation);

        var problem = await response.AssertProblemAsync(404, "/problems/remix-not-found");
        Assert.Contains("pd_unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Sunra.Calls.Count);
    }

    [Theory]
    [MemberData(nameof(RemixRoutes.For), "pd_forgotten", MemberType = typeof(RemixRoutes))]
    public async Task A_remix_Sunra_no_longer_knows_is_a_404_problem(string method, string url)
    {
        await OwnAsync("pd_forgotten");

        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Cancellation);

        var problem = await response.AssertProblemAsync(404, "/problems/remix-not-found");
        Assert.Contains("pd_forgotten", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("/v1/queue/requests/pd_forgotten", Assert.Single(Sunra.Calls.All).PathAndQuery, StringComparison.Ordinal);
    }

    // Sunra's time moves on; the gateway's kept status is fresh for one poll interval (50 ms here).
    private async Task AdvanceAsync(TimeSpan step)
    {
        _clock.Advance(step);
        await Task.Delay(TimeSpan.FromMilliseconds(60), Cancellation);
    }

    private async Task<JsonElement> StatusAsync(string id, string query = "")
    {
        using var response = await Client.GetAsync($"/remix/{id}/status{query}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task AssertNotReadyAsync(string id, string status)
    {
        using var response = await Client.GetAsync($"/remix/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(status, (await response.ReadJsonAsync()).GetProperty("status").GetString());
    }
}
