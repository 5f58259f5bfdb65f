using System.Diagnostics;
using System.Net;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Sunra;

/// <summary>
/// The resilience pipeline on the Sunra client, counted call by call at the emulator: which calls are
/// retried and how often, which never are, how long a hung Sunra costs, and the circuit breaker.
/// Remixes stay IN_QUEUE for the length of a test, so every status route asks Sunra.
/// </summary>
public sealed class ResilienceTests() : GatewayTest(
    emulator: options => options.QueueTime = TimeSpan.FromMinutes(5),
    settings: new Dictionary<string, string?> { ["Sunra:TimeoutSeconds"] = "1", ["Sunra:CircuitBreakSeconds"] = "2" })
{
    private const string SunraError = """{"error": {"type": "server_error", "code": "internal", "message": "Something broke"}}""";

    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(408)]
    public async Task A_5xx_or_408_on_status_is_retried_and_the_caller_gets_the_status(int status)
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(status, SunraError));

        using var response = await StatusAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("IN_QUEUE", (await response.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(2, StatusCalls);
        Assert.Equal(3, Sunra.Calls.Count);
    }

    [Fact]
    public async Task Three_5xx_in_a_row_on_status_are_a_502_after_exactly_three_tries()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(503, SunraError), times: 5);

        using var response = await StatusAsync(id);

        var problem = await response.AssertProblemAsync(502, "/problems/upstream-error");
        Assert.Contains("Something broke", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, StatusCalls);
        Assert.Equal(4, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_dropped_connection_on_status_is_retried_and_the_caller_gets_the_status()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(200) { Abort = true });

        using var response = await StatusAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("IN_QUEUE", (await response.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(2, StatusCalls);
        Assert.Equal(3, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_dropped_connection_on_result_is_retried_and_the_video_is_served()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(200, $$$"""{"status": "COMPLETED", "request_id": "{{{id}}}", "metrics": {"inference_time": 2.0}}"""));
        Sunra.Script.Enqueue(SunraOperation.Result, new Fault(200) { Abort = true });
        Sunra.Script.Enqueue(SunraOperation.Result, new Fault(200, $$$"""{"video": {"content_type": "video/mp4", "file_name": "{{{id}}}.mp4", "file_size": 1024, "url": "https://files.example/{{{id}}}.mp4"}}"""));

        using var response = await Client.GetAsync($"/remix/{id}", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var video = (await response.ReadJsonAsync()).GetProperty("video");
        Assert.Equal($"https://files.example/{id}.mp4", video.GetProperty("url").GetString());
        Assert.Equal(1, StatusCalls);
        Assert.Equal(2, CallsTo("GET", $"/v1/queue/requests/{id}"));
        Assert.Equal(4, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_dropped_connection_on_cancel_is_retried_and_the_remix_is_canceled()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Cancel, new Fault(200) { Abort = true });

        using var response = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("CANCELLATION_REQUESTED", (await response.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(2, CallsTo("PUT", $"/v1/queue/requests/{id}/cancel"));
        Assert.Equal(3, Sunra.Calls.Count);
        Assert.NotNull(Assert.Single(Sunra.Requests.All).CanceledAt);
    }

    [Fact]
    public async Task A_429_with_a_short_Retry_After_on_status_is_waited_out_and_retried()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, Throttled(retryAfterSeconds: 1));
        var clock = Stopwatch.StartNew();

        using var response = await StatusAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(2, StatusCalls);
        Assert.Equal(3, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_429_with_a_Retry_After_over_two_seconds_on_status_is_passed_on_without_a_retry()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, Throttled(retryAfterSeconds: 30), times: 3);
        var clock = Stopwatch.StartNew();

        using var response = await StatusWithLogsAsync(id);

        await response.AssertProblemAsync(503, "/problems/upstream-throttled");
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"The caller waited {clock.Elapsed}.");
        Assert.Equal(1, StatusCalls);
        Assert.Equal(2, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_429_whose_wait_is_only_in_x_ratelimit_reset_is_passed_on_without_a_retry()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(429, "{}") { Headers = new Dictionary<string, string> { ["x-ratelimit-reset"] = "12" } }, times: 3);

        using var response = await StatusWithLogsAsync(id);

        await response.AssertProblemAsync(503, "/problems/upstream-throttled");
        Assert.Equal(TimeSpan.FromSeconds(12), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, StatusCalls);
    }

    [Fact]
    public async Task A_5xx_that_names_a_long_Retry_After_is_not_retried_and_the_caller_is_told_the_wait()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(503, SunraError) { Headers = new Dictionary<string, string> { ["Retry-After"] = "30" } }, times: 3);

        using var response = await StatusAsync(id);

        await response.AssertProblemAsync(502, "/problems/upstream-error");
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, StatusCalls);
    }

    [Fact]
    public async Task A_dropped_connection_on_submit_is_not_retried()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Abort = true }, times: 3);

        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        await response.AssertProblemAsync(502, "/problems/upstream-unreachable");
        Assert.Equal("POST", Assert.Single(Sunra.Calls.All).Method);
        Assert.Equal(0, Sunra.Requests.Count);
    }

    [Fact]
    public async Task A_429_with_a_short_Retry_After_on_submit_is_not_retried()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, Throttled(retryAfterSeconds: 1), times: 3);

        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        await response.AssertProblemAsync(503, "/problems/upstream-throttled");
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal("POST", Assert.Single(Sunra.Calls.All).Method);
        Assert.Equal(0, Sunra.Requests.Count);
    }

    [Fact]
    public async Task A_hung_status_is_a_504_after_one_timeout_and_is_not_retried()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(200, "{}") { Delay = TimeSpan.FromSeconds(30) }, times: 3);
        var clock = Stopwatch.StartNew();

        using var response = await StatusAsync(id);

        await response.AssertProblemAsync(504, "/problems/upstream-timeout");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        Assert.Equal(1, StatusCalls);
        Assert.Equal(2, Sunra.Calls.Count);
    }

    [Fact]
    public async Task Repeated_5xx_open_the_circuit_which_answers_503_without_calling_Sunra_and_closes_after_the_break()
    {
        var id = await SubmittedAsync();
        await OpenTheCircuitAsync(id);
        var before = Sunra.Calls.Count;

        // Open: answered at once, with the break as Retry-After, and Sunra is not called.
        using (var rejected = await StatusAsync(id))
        {
            var problem = await rejected.AssertProblemAsync(503, "/problems/upstream-unavailable");
            Assert.Equal(BreakDuration, rejected.Headers.RetryAfter?.Delta);
            Assert.Contains("Nothing was sent to Sunra", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, Sunra.Calls.Count);

        // After the break, no fault is left: the half-open probe succeeds and closes the circuit.
        await Task.Delay(BreakDuration + TimeSpan.FromMilliseconds(500), Cancellation);
        using (var probe = await StatusAsync(id))
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        Assert.Equal(before + 1, Sunra.Calls.Count);
        await Task.Delay(TimeSpan.FromMilliseconds(100), Cancellation);
        using (var closed = await StatusAsync(id))
        {
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        // The probe's status was kept for one poll interval; after it, Sunra is asked again.
        Assert.Equal(before + 2, Sunra.Calls.Count);
        Assert.Equal(11, StatusCalls);
    }

    [Fact]
    public async Task While_the_circuit_is_open_a_submit_and_every_remix_route_are_a_503_and_Sunra_is_not_called()
    {
        var id = await SubmittedAsync();
        await OpenTheCircuitAsync(id);
        var before = Sunra.Calls.Count;

        using (var submit = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation))
        {
            await submit.AssertProblemAsync(503, "/problems/upstream-unavailable");
            Assert.Equal(BreakDuration, submit.Headers.RetryAfter?.Delta);
        }

        using (var result = await Client.GetAsync($"/remix/{id}", Cancellation))
        {
            await result.AssertProblemAsync(503, "/problems/upstream-unavailable");
        }

        using (var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation))
        {
            await cancel.AssertProblemAsync(503, "/problems/upstream-unavailable");
        }

        Assert.Equal(before, Sunra.Calls.Count);
        Assert.Equal(1, CallsTo("POST", "/v1/queue/openai/sora-2/video-to-video"));
        Assert.Equal(1, Sunra.Requests.Count);
    }

    [Fact]
    public async Task Throttling_does_not_open_the_circuit()
    {
        var id = await SubmittedAsync();
        Sunra.Script.Enqueue(SunraOperation.Status, Throttled(retryAfterSeconds: 3), times: 12);
        for (var i = 0; i < 12; i++)
        {
            using var throttled = await StatusWithLogsAsync(id);
            await throttled.AssertProblemAsync(503, "/problems/upstream-throttled");
        }

        Assert.Equal(12, StatusCalls);

        using var response = await StatusAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(13, StatusCalls);
        Assert.Equal(14, Sunra.Calls.Count);
    }

    /// <summary>
    /// Fails enough status attempts to open the circuit: with the submit's success, 9 failures make the
    /// breaker's minimum throughput of 10 at a failure ratio over 0.5, on the third status call (three
    /// tries each). Exactly that many faults are lined up, so none is left for the probe after the
    /// break. The fourth status call is then turned away without reaching Sunra.
    /// </summary>
    private async Task OpenTheCircuitAsync(string id)
    {
        const int Failures = 9;
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(500, SunraError), times: Failures);
        for (var call = 1; call <= Failures / 3; call++)
        {
            using var failed = await StatusAsync(id);
            await failed.AssertProblemAsync(502, "/problems/upstream-error");
            Assert.Equal(call * 3, StatusCalls);
        }

        var before = Sunra.Calls.Count;
        using var rejected = await StatusAsync(id);
        await rejected.AssertProblemAsync(503, "/problems/upstream-unavailable");
        Assert.Equal(BreakDuration, rejected.Headers.RetryAfter?.Delta);
        Assert.Equal(before, Sunra.Calls.Count);
        Assert.Equal(Failures, StatusCalls);
    }

    private async Task<string> SubmittedAsync() => (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

    private Task<HttpResponseMessage> StatusAsync(string id) => Client.GetAsync($"/remix/{id}/status", Cancellation);

    // A status with logs is asked of Sunra each time, so its failures reach the caller.
    private Task<HttpResponseMessage> StatusWithLogsAsync(string id) => Client.GetAsync($"/remix/{id}/status?logs=true", Cancellation);

    private int StatusCalls => Sunra.Calls.All.Count(call => call.Method == "GET" && call.PathAndQuery.Contains("/status", StringComparison.Ordinal));

    private int CallsTo(string method, string path) =>
        Sunra.Calls.All.Count(call => call.Method == method && call.PathAndQuery.Split('?')[0] == path);

    private static Fault Throttled(int retryAfterSeconds) =>
        new(429, """{"detail": "Rate limit exceeded"}""") { Headers = new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
}
