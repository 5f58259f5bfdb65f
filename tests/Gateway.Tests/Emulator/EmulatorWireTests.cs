using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sunra.Emulator;

namespace Gateway.Tests.Emulator;

/// <summary>
/// The emulator's wire format, spoken to over loopback as Sunra's clients speak to Sunra: the codes,
/// statuses and types of Sunra's error body, both key schemes, the double-slash paths of Sunra's Python
/// client, and a call log that is bounded and off unless asked for. The emulator's clock is the test's.
/// </summary>
public sealed class EmulatorWireTests : IAsyncLifetime
{
    private const string Key = "sk_emulator_wire_0123456789";

    private const string SubmitPath = "/v1/queue/openai/sora-2/video-to-video";

    private static readonly TimeSpan QueueTime = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private EmulatorServer _sunra = null!;

    private HttpClient _client = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _sunra = await EmulatorServer.StartAsync(
            options =>
            {
                options.ApiKey = Key;
                options.QueueTime = QueueTime;
                options.RunTime = RunTime;
            },
            _clock);
        _client = new HttpClient { BaseAddress = _sunra.Origin };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", Key);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _sunra.DisposeAsync();
    }

    [Fact]
    public async Task An_error_is_Sunras_body_with_the_calls_x_request_id_and_the_emulators_time()
    {
        using var response = await _client.GetAsync("/v1/queue/requests/pd_unknown/status", Cancellation);

        await response.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        var body = await response.ReadJsonAsync();
        Assert.Equal(["error", "timestamp", "request_id"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["type", "code", "message", "details"], body.GetProperty("error").EnumerateObject().Select(p => p.Name));
        Assert.Equal(_clock.GetUtcNow(), body.GetProperty("timestamp").GetDateTimeOffset());
        Assert.StartsWith("req_", body.GetProperty("request_id").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Key")]
    [InlineData("Bearer")]
    [InlineData("key")]
    [InlineData("BEARER")]
    public async Task The_key_is_accepted_as_Key_and_as_Bearer_whatever_the_schemes_case(string scheme)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SubmitPath) { Content = Http.Json(Http.Remix("video_1", "at dusk")) };
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {Key}");

        using var response = await _client.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _sunra.Requests.Count);
        Assert.Equal($"{scheme} {Key}", Assert.Single(_sunra.Calls.All).Authorization);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Key ")]
    [InlineData("Key")]
    [InlineData("Basic c2tfZW11bGF0b3I6")]
    [InlineData(Key)]
    [InlineData("Key sk_wrong")]
    [InlineData("Bearer sk_wrong")]
    public async Task Without_the_key_in_Key_or_Bearer_the_answer_is_a_401_UNAUTHENTICATED_and_nothing_is_bought(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SubmitPath) { Content = Http.Json(Http.Remix("video_1", "at dusk")) };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var client = new HttpClient { BaseAddress = _sunra.Origin };
        using var response = await client.SendAsync(request, Cancellation);

        var error = await response.AssertSunraErrorAsync(401, "UNAUTHENTICATED");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal(0, _sunra.Requests.Count);
    }

    public static TheoryData<string, string> InputsOutsideTheModelCard => new()
    {
        { Http.Remix("video_1", new string('a', 5001)), """{"prompt": ["String should have at most 5000 characters"]}""" },
        { """{"prompt": "at dusk"}""", """{"video_id": ["Field required"]}""" },
        { """{"video_id": "", "prompt": ""}""", """{"video_id": ["String should have at least 1 character"], "prompt": ["String should have at least 1 character"]}""" },
        { """{"video_id": 1, "prompt": "at dusk"}""", """{"video_id": ["Input should be a valid string"]}""" },
    };

    [Theory]
    [MemberData(nameof(InputsOutsideTheModelCard))]
    public async Task Input_outside_the_model_card_is_a_400_INVALID_REQUEST_with_a_list_of_messages_per_field(string body, string details)
    {
        using var response = await _client.PostAsync(SubmitPath, Http.Json(body), Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(details), JsonNode.Parse(error.GetProperty("details").GetRawText())),
            $"details: {error.GetProperty("details")}");
        Assert.Equal(0, _sunra.Requests.Count);
    }

    [Fact]
    public async Task A_prompt_of_5000_emoji_is_accepted_as_Sunra_counts_code_points()
    {
        using var response = await _client.PostAsync(SubmitPath, Http.Json(Http.Remix("video_1", string.Concat(Enumerable.Repeat("🎬", 5000)))), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _sunra.Requests.Count);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"at dusk\"")]
    public async Task A_body_that_is_not_a_JSON_object_is_a_400_INVALID_REQUEST(string body)
    {
        using var response = await _client.PostAsync(SubmitPath, Http.Json(body), Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("details").ValueKind);
        Assert.Equal(0, _sunra.Requests.Count);
    }

    [Theory]
    [InlineData("POST", "/v1/queue/openai/sora-2/text-to-video")]
    [InlineData("GET", "/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("GET", "/v1/queue/requests")]
    [InlineData("PUT", "/v1/queue/requests/pd_1/status")]
    public async Task A_call_to_no_endpoint_of_the_queue_is_a_404_ENDPOINT_NOT_FOUND(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.Json(Http.Remix("video_1", "at dusk")) };

        using var response = await _client.SendAsync(request, Cancellation);

        var error = await response.AssertSunraErrorAsync(404, "ENDPOINT_NOT_FOUND");
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
        Assert.Equal(0, _sunra.Requests.Count);
    }

    [Theory]
    [InlineData("GET", "/status", false)]
    [InlineData("GET", "/status/stream", false)]
    [InlineData("GET", "", false)]
    [InlineData("PUT", "/cancel", false)]
    [InlineData("GET", "/status", true)]
    [InlineData("GET", "/status/stream", true)]
    [InlineData("GET", "", true)]
    [InlineData("PUT", "/cancel", true)]
    public async Task Every_call_about_an_unknown_request_is_a_404_REMIX_NOT_FOUND(string method, string call, bool doubleSlash)
    {
        using var response = await SendByIdAsync(method, "pd_unknown", call, doubleSlash);

        var error = await response.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    public async Task The_result_before_completion_is_a_400_REQUEST_NOT_COMPLETED(int secondsLater)
    {
        var id = await SubmitAsync();
        _clock.Advance(TimeSpan.FromSeconds(secondsLater));

        using var response = await _client.GetAsync($"/v1/queue/requests/{id}", Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "REQUEST_NOT_COMPLETED");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_result_of_a_failed_generation_is_a_400_PREDICTION_FAILED_with_the_generations_error_as_details()
    {
        _sunra.Requests.FailNextGeneration("content_policy_violation", "The prompt was refused.");
        var id = await SubmitAsync();
        _clock.Advance(QueueTime + RunTime);

        using var status = await _client.GetAsync($"/v1/queue/requests/{id}/status", Cancellation);
        using var response = await _client.GetAsync($"/v1/queue/requests/{id}", Cancellation);

        Assert.False((await status.ReadJsonAsync()).GetProperty("success").GetBoolean());
        var error = await response.AssertSunraErrorAsync(400, "PREDICTION_FAILED");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("The prompt was refused.", error.GetProperty("message").GetString());
        var details = error.GetProperty("details");
        Assert.Equal("content_policy_violation", details.GetProperty("code").GetString());
        Assert.Equal("The prompt was refused.", details.GetProperty("message").GetString());
        Assert.True(details.GetProperty("timestamp").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task The_result_of_a_canceled_request_is_a_410_REMIX_CANCELED()
    {
        var id = await SubmitAsync();

        using var cancel = await _client.PutAsync($"/v1/queue/requests/{id}/cancel", null, Cancellation);
        using var response = await _client.GetAsync($"/v1/queue/requests/{id}", Cancellation);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var error = await response.AssertSunraErrorAsync(410, "REMIX_CANCELED");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Canceling_a_completed_request_is_a_409_NOT_CANCELLABLE_and_it_stays_completed()
    {
        var id = await SubmitAsync();
        _clock.Advance(QueueTime + RunTime);

        using var response = await _client.PutAsync($"/v1/queue/requests/{id}/cancel", null, Cancellation);
        using var status = await _client.GetAsync($"/v1/queue/requests/{id}/status", Cancellation);

        var error = await response.AssertSunraErrorAsync(409, "NOT_CANCELLABLE");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("COMPLETED", (await status.ReadJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_submit_and_a_completed_result_answer_in_Sunras_shapes_whose_URLs_lead_on()
    {
        using var submit = await _client.PostAsync(SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);

        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        var submitted = await submit.ReadJsonAsync();
        Assert.Equal(["request_id", "status", "queue_position", "response_url", "status_url", "cancel_url"], submitted.EnumerateObject().Select(p => p.Name));
        var id = submitted.GetProperty("request_id").GetString()!;
        var responseUrl = new Uri(_sunra.Origin, $"/v1/queue/requests/{id}").ToString();
        Assert.Equal("IN_QUEUE", submitted.GetProperty("status").GetString());
        Assert.Equal(0, submitted.GetProperty("queue_position").GetInt32());
        Assert.Equal(responseUrl, submitted.GetProperty("response_url").GetString());
        Assert.Equal(responseUrl + "/status", submitted.GetProperty("status_url").GetString());
        Assert.Equal(responseUrl + "/cancel", submitted.GetProperty("cancel_url").GetString());

        _clock.Advance(QueueTime + RunTime);
        using var result = await _client.GetAsync(submitted.GetProperty("response_url").GetString(), Cancellation);

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        var video = (await result.ReadJsonAsync()).GetProperty("video");
        Assert.Equal(["content_type", "file_name", "file_size", "url"], video.EnumerateObject().Select(p => p.Name));
        Assert.Equal("video/mp4", video.GetProperty("content_type").GetString());
        Assert.Equal($"{id}.mp4", video.GetProperty("file_name").GetString());
        using var file = await _client.GetAsync(video.GetProperty("url").GetString(), Cancellation);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(video.GetProperty("file_size").GetInt64(), (await file.Content.ReadAsByteArrayAsync(Cancellation)).Length);
    }

    [Fact]
    public async Task Pythons_double_slash_paths_reach_all_four_calls_by_id()
    {
        var running = await SubmitAsync();
        var canceled = await SubmitAsync();

        using var status = await SendByIdAsync("GET", running, "/status", doubleSlash: true);
        using var early = await SendByIdAsync("GET", running, "", doubleSlash: true);
        using var cancel = await SendByIdAsync("PUT", canceled, "/cancel", doubleSlash: true);
        _clock.Advance(QueueTime + RunTime);
        using var stream = await SendByIdAsync("GET", running, "/status/stream", doubleSlash: true);
        using var result = await SendByIdAsync("GET", running, "", doubleSlash: true);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("IN_QUEUE", (await status.ReadJsonAsync()).GetProperty("status").GetString());
        await early.AssertSunraErrorAsync(400, "REQUEST_NOT_COMPLETED");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(QueueState.Canceled, _sunra.Requests.StateOf(_sunra.Requests.Find(canceled)!));
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":\"COMPLETED\"", await stream.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal($"{running}.mp4", (await result.ReadJsonAsync()).GetProperty("video").GetProperty("file_name").GetString());

        // The calls did travel as Python sends them, not mended on the way.
        Assert.Equal(5, _sunra.Calls.All.Count(call => call.PathAndQuery.StartsWith("/v1/queue//requests/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_fault_scripted_for_an_operation_meets_its_double_slash_call_too()
    {
        var id = await SubmitAsync();
        _sunra.Script.Enqueue(SunraOperation.Status, new Fault(503, """{"detail": "busy"}"""));

        using var faulted = await SendByIdAsync("GET", id, "/status", doubleSlash: true);
        using var next = await SendByIdAsync("GET", id, "/status", doubleSlash: true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Calls_are_not_kept_unless_the_emulator_is_told_to_keep_them()
    {
        await using var quiet = await EmulatorServer.StartAsync(options =>
        {
            options.ApiKey = Key;
            options.RecordCalls = false;
        });
        using var client = new HttpClient { BaseAddress = quiet.Origin };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", Key);

        using var response = await client.PostAsync(SubmitPath, Http.Json(Http.Remix("video_1", "a secret prompt")), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, quiet.Requests.Count);
        Assert.False(quiet.Calls.IsRecording);
        Assert.Equal(0, quiet.Calls.Count);
    }

    [Fact]
    public void The_emulator_run_alone_or_in_the_gateways_sandbox_keeps_no_calls_and_no_webhook_URLs()
    {
        // What EmulatorHost and the sandbox both do: AddSunraEmulator, without RecordCalls.
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSunraEmulator(options => options.ApiKey = Key);
        using var provider = services.BuildServiceProvider();

        Assert.False(new EmulatorOptions().RecordCalls);
        Assert.False(provider.GetRequiredService<CallLog>().IsRecording);
        Assert.False(provider.GetRequiredService<WebhookLog>().IsRecording);
        Assert.True(_sunra.Calls.IsRecording);
        Assert.True(_sunra.Webhooks.IsRecording);
    }

    [Fact]
    public async Task The_call_log_keeps_only_the_newest_calls()
    {
        for (var i = 0; i < 3; i++)
        {
            using var oldest = await _client.GetAsync($"/v1/queue/requests/pd_oldest_{i}/status", Cancellation);
        }

        await Parallel.ForAsync(0, CallLog.Capacity, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Cancellation }, async (i, cancellation) =>
        {
            using var response = await _client.GetAsync($"/v1/queue/requests/pd_newer_{i}/status", cancellation);
        });

        Assert.Equal(CallLog.Capacity, _sunra.Calls.Count);
        Assert.DoesNotContain(_sunra.Calls.All, call => call.PathAndQuery.Contains("pd_oldest_", StringComparison.Ordinal));
        Assert.Equal(CallLog.Capacity, _sunra.Calls.All.Count(call => call.PathAndQuery.Contains("pd_newer_", StringComparison.Ordinal)));
    }

    private async Task<string> SubmitAsync()
    {
        using var response = await _client.PostAsync(SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("request_id").GetString()!;
    }

    // Sunra's Python client builds "/v1/queue/" + "/requests/{id}…".
    private async Task<HttpResponseMessage> SendByIdAsync(string method, string requestId, string call, bool doubleSlash)
    {
        var queue = doubleSlash ? "/v1/queue/" : "/v1/queue";
        using var request = new HttpRequestMessage(new HttpMethod(method), $"{queue}/requests/{requestId}{call}");
        return await _client.SendAsync(request, Cancellation);
    }
}
