using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Sunra;

/// <summary>Each way Sunra can fail, and the precise answer the caller gets instead of a 500.</summary>
public sealed class UpstreamFailureTests() : GatewayTest(
    emulator: options => options.QueueTime = options.RunTime = TimeSpan.Zero,
    settings: new Dictionary<string, string?> { ["Sunra:TimeoutSeconds"] = "1" })
{
    private const string SunraError = """{"error": {"type": "server_error", "code": "internal", "message": "Something broke"}, "timestamp": "2026-11-23T10:00:00Z", "request_id": null}""";

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task A_Sunra_5xx_on_submit_is_a_502_and_the_submit_is_not_retried(int status)
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(status, SunraError));

        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        var problem = await response.AssertProblemAsync(502, "/problems/upstream-error");
        Assert.Contains("Something broke", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("may still have accepted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Sunra.Calls.Count);
        Assert.Equal(0, Sunra.Requests.Count);
    }

    [Theory]
    [InlineData(SunraOperation.Submit, "not json at all", "text/plain")]
    [InlineData(SunraOperation.Submit, """{"status": "IN_QUEUE"}""", "application/json")]
    [InlineData(SunraOperation.Submit, """{"request_id": "../../etc", "status": "IN_QUEUE"}""", "application/json")]
    [InlineData(SunraOperation.Submit, """{"request_id": "abc\n", "status": "IN_QUEUE"}""", "application/json")]
    [InlineData(SunraOperation.Status, """{"status": "EXPLODED", "request_id": "x"}""", "application/json")]
    [InlineData(SunraOperation.Status, """{"status": 5}""", "application/json")]
    [InlineData(SunraOperation.Status, "<html>gateway</html>", "text/html")]
    public async Task An_answer_Sunra_gives_in_the_wrong_shape_is_a_502(SunraOperation operation, string body, string contentType)
    {
        Sunra.Script.Enqueue(operation, new Fault(200, body, contentType));

        using var response = await SendAsync(operation);

        await response.AssertProblemAsync(502, "/problems/upstream-error");
    }

    [Fact]
    public async Task A_result_without_the_cards_video_fields_is_a_502()
    {
        Sunra.Script.Enqueue(SunraOperation.Result, new Fault(200, """{"video": {"url": "https://files.example/x.mp4"}}"""));

        using var response = await SendAsync(SunraOperation.Result);

        await response.AssertProblemAsync(502, "/problems/upstream-error");
    }

    [Fact]
    public async Task A_Retry_After_from_Sunra_is_kept_within_an_hour()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(429, "{}") { Headers = new Dictionary<string, string> { ["Retry-After"] = "Wed, 21 Oct 2099 07:28:00 GMT" } });

        using var response = await SendAsync(SunraOperation.Submit);

        await response.AssertProblemAsync(503, "/problems/upstream-throttled");
        Assert.Equal(TimeSpan.FromHours(1), response.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData(SunraOperation.Submit, 401)]
    [InlineData(SunraOperation.Status, 401)]
    [InlineData(SunraOperation.Result, 403)]
    [InlineData(SunraOperation.Cancel, 403)]
    public async Task Sunra_refusing_the_gateways_key_is_a_502_never_a_401_or_403(SunraOperation operation, int status)
    {
        Sunra.Script.Enqueue(operation, new Fault(status, """{"error": {"type": "authentication_error", "code": "invalid_api_key", "message": "Invalid API key"}}"""));

        using var response = await SendAsync(operation);

        var problem = await response.AssertProblemAsync(502, "/problems/upstream-credentials");
        Assert.Contains("Your request is fine", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
    }

    [Theory]
    [InlineData("""{"error": {"type": "validation_error", "code": "invalid_input", "message": "video_id: no such video"}}""", "application/json", "video_id: no such video")]
    [InlineData("""{"detail": [{"loc": ["body", "video_id"], "msg": "no such video", "type": "value_error"}]}""", "application/json", "video_id: no such video")]
    [InlineData("""{"detail": "no such video", "code": "not_found"}""", "application/json", "no such video")]
    [InlineData("no such video", "text/plain", "no such video")]
    public async Task A_Sunra_validation_error_is_a_422_carrying_Sunras_message(string body, string contentType, string message)
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(422, body, contentType));

        using var response = await SendAsync(SunraOperation.Submit);

        var problem = await response.AssertProblemAsync(422, "/problems/upstream-rejected-input");
        Assert.Equal(message, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_submit_that_times_out_says_the_remix_may_have_been_accepted_and_is_not_retried()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200, "{}") { Delay = TimeSpan.FromSeconds(30) });

        using var response = await SendAsync(SunraOperation.Submit);

        var problem = await response.AssertProblemAsync(504, "/problems/upstream-timeout");
        Assert.Contains("may still have accepted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Sunra.Calls.Count);
    }

    [Theory]
    [InlineData(SunraOperation.Status)]
    [InlineData(SunraOperation.Cancel)]
    public async Task A_dropped_connection_is_a_502(SunraOperation operation)
    {
        // As often as a read or a cancel is tried.
        Sunra.Script.Enqueue(operation, new Fault(200) { Abort = true }, times: 3);

        using var response = await SendAsync(operation);

        await response.AssertProblemAsync(502, "/problems/upstream-unreachable");
    }

    [Fact]
    public async Task An_unreachable_Sunra_is_a_502()
    {
        await Sunra.DisposeAsync();

        await OwnAsync("pd_gone");
        using var response = await Client.GetAsync("/remix/pd_gone/status", Cancellation);

        await response.AssertProblemAsync(502, "/problems/upstream-unreachable");
    }

    private Task<HttpResponseMessage> SendAsync(SunraOperation operation) => Client.SendAsync(operation, Cancellation);
}
