using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Sunra;

/// <summary>
/// The Sunra key goes to Sunra and nowhere else: not into an answer, a header or a log line, even
/// when Sunra echoes it back. Logging runs at Verbose for every source, HttpClient's included.
/// </summary>
public sealed class KeyLeakTests() : GatewayTest(emulator: options => options.QueueTime = options.RunTime = TimeSpan.Zero)
{
    private const string Key = GatewayFactory.SunraKey;

    public static TheoryData<SunraOperation, int> Echoes => new()
    {
        { SunraOperation.Submit, 401 },
        { SunraOperation.Submit, 403 },
        { SunraOperation.Submit, 422 },
        { SunraOperation.Submit, 400 },
        { SunraOperation.Submit, 429 },
        { SunraOperation.Submit, 500 },
        { SunraOperation.Status, 401 },
        { SunraOperation.Status, 502 },
        { SunraOperation.Result, 500 },
        { SunraOperation.Cancel, 400 },
        { SunraOperation.Cancel, 403 },
    };

    [Fact]
    public async Task The_key_reaches_Sunra_on_every_call_in_Sunras_scheme()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        (await Client.GetAsync($"/remix/{id}/status", Cancellation)).Dispose();
        (await Client.GetAsync($"/remix/{id}", Cancellation)).Dispose();
        (await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation)).Dispose();

        // Submit, status, result (its final status was kept from the status call) and cancel.
        Assert.Equal(4, Sunra.Calls.Count);
        Assert.All(Sunra.Calls.All, call => Assert.Equal($"Key {Key}", call.Authorization));
        AssertNoKeyIn(Gateway.Logs.Everything);
    }

    [Theory]
    [MemberData(nameof(Echoes))]
    public async Task A_key_that_Sunra_echoes_back_is_in_no_answer_header_or_log(SunraOperation operation, int status)
    {
        var body = """{"error": {"type": "x", "code": "y", "message": "Refused credential '{credential}' (Key {credential})", "details": {"key": "{credential}"}}, "request_id": "{credential}"}""";
        // As often as a read is tried.
        Sunra.Script.Enqueue(
            operation,
            new Fault(status, body)
            {
                Headers = new Dictionary<string, string> { ["x-echo-authorization"] = "Key {credential}".Replace("{credential}", Key, StringComparison.Ordinal) },
            },
            times: 3);

        using var response = await SendAsync(operation);

        Assert.InRange((int)response.StatusCode, 400, 599);
        Assert.NotEqual(500, (int)response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        AssertNoKeyIn(text);
        AssertNoKeyIn(string.Join('\n', response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}")));
        AssertNoKeyIn(Gateway.Logs.Everything);
        Assert.Contains(Gateway.Logs.Events, e => e.Properties.ContainsKey("SunraMessage") && e.Properties["SunraMessage"].ToString().Contains("[redacted]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_relayed_Sunra_message_keeps_its_words_but_not_the_key()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(422, """{"error": {"type": "v", "code": "c", "message": "video_id unknown for key {credential}"}}"""));

        using var response = await SendAsync(SunraOperation.Submit);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal("video_id unknown for key [redacted]", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_generation_error_that_echoes_the_key_is_redacted_in_status_and_result()
    {
        Sunra.Requests.FailNextGeneration($"bad_key_{Key}", $"Generation failed for {Key}");
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

        using var status = await Client.GetAsync($"/remix/{id}/status?logs=true", Cancellation);
        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);

        var statusText = await status.Content.ReadAsStringAsync(Cancellation);
        Assert.Contains("Generation failed for [redacted]", statusText, StringComparison.Ordinal);
        AssertNoKeyIn(statusText);
        AssertNoKeyIn(await result.Content.ReadAsStringAsync(Cancellation));
        AssertNoKeyIn(Gateway.Logs.Everything);
    }

    [Fact]
    public async Task A_key_that_Sunra_writes_with_JSON_escapes_is_redacted_once_decoded()
    {
        var escaped = string.Concat(Key.Select(c => $"\\u{(int)c:x4}"));
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(200, $$$"""
            {"status": "COMPLETED", "request_id": "x", "success": false, "metrics": {"inference_time": 1},
             "error": {"code": "{{{escaped}}}", "message": "m {{{escaped}}}", "timestamp": "{{{escaped}}}",
                       "details": {"{{{escaped}}}": ["{{{escaped}}}", {"nested": "k={{{escaped}}}"}], "n": 1 } } }
            """));

        using var response = await SendAsync(SunraOperation.Status);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        AssertNoKeyIn(text);
        AssertNoKeyIn(System.Text.Json.JsonDocument.Parse(text).RootElement.ToString());
        Assert.Contains("k=[redacted]", System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("details").GetRawText(), StringComparison.Ordinal);
        Assert.Equal("[redacted]", System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task A_request_id_that_is_the_key_is_not_relayed()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200, """{"request_id": "{credential}", "status": "IN_QUEUE", "queue_position": 0}"""));

        using var response = await SendAsync(SunraOperation.Submit);

        await response.AssertProblemAsync(502, "/problems/upstream-error");
        AssertNoKeyIn(await response.Content.ReadAsStringAsync(Cancellation));
        AssertNoKeyIn(string.Join('\n', response.Headers.Select(h => string.Join(",", h.Value))));
    }

    [Fact]
    public async Task Transport_failures_log_no_key()
    {
        Sunra.Script.Enqueue(SunraOperation.Status, new Fault(200) { Abort = true });
        (await SendAsync(SunraOperation.Status)).Dispose();
        await Sunra.DisposeAsync();
        await OwnAsync("pd_gone");
        (await Client.GetAsync("/remix/pd_gone/status", Cancellation)).Dispose();

        Assert.Contains(Gateway.Logs.Events, e => e.Level == Serilog.Events.LogEventLevel.Verbose);
        AssertNoKeyIn(Gateway.Logs.Everything);
    }

    private static void AssertNoKeyIn(string text) =>
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);

    private Task<HttpResponseMessage> SendAsync(SunraOperation operation) => Client.SendAsync(operation, Cancellation);
}
