using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.SunraDoor;

/// <summary>
/// The gateway as a Sunra base URL (<c>/v1</c>): Sunra's shapes, Sunra's error body, the caller's key
/// as <c>Authorization: Key</c>, and the same rules as <c>/remix</c> behind them.
/// </summary>
public sealed class SunraDoorTests() : GatewayTest(emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(200))
{
    private static readonly string Body = Http.Remix("video_123", "The same scene at dusk");

    private HttpClient? _orders;

    private HttpClient Orders => _orders ??= Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

    [Fact]
    public async Task A_submit_with_the_callers_key_in_Sunras_scheme_answers_Sunras_shape_with_absolute_gateway_URLs()
    {
        using var response = await Orders.PostAsync(SunraWire.SubmitPath, Http.Json(Body), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var submitted = await response.ReadJsonAsync();
        var id = submitted.GetProperty("request_id").GetString()!;
        Assert.Equal("IN_QUEUE", submitted.GetProperty("status").GetString());
        Assert.Equal(0, submitted.GetProperty("queue_position").GetInt32());
        Assert.Equal($"http://localhost/v1/queue/requests/{id}", submitted.GetProperty("response_url").GetString());
        Assert.Equal($"http://localhost/v1/queue/requests/{id}/status", submitted.GetProperty("status_url").GetString());
        Assert.Equal($"http://localhost/v1/queue/requests/{id}/cancel", submitted.GetProperty("cancel_url").GetString());
        var call = Assert.Single(Sunra.Calls.All);
        Assert.Equal($"Key {GatewayFactory.SunraKey}", call.Authorization);
    }

    [Fact]
    public async Task Without_a_key_the_answer_is_401_in_Sunras_error_body_and_Sunra_is_not_called()
    {
        using var response = await Gateway.CreateClient().PostAsync(SunraWire.SubmitPath, Http.Json(Body), Cancellation);

        var error = await response.AssertSunraErrorAsync(401, "UNAUTHENTICATED");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Contains("Authorization: Key <key>", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Sunra.Calls.Count);
    }

    [Theory]
    [InlineData("""{"video_id":"","prompt":""}""", "video_id")]
    [InlineData("""{"video_id":"v"}""", "prompt")]
    [InlineData("""{"video_id":"v","prompt":"p","prompt":"q"}""", "prompt")]
    [InlineData("""{"video_id":1,"prompt":"p"}""", "video_id")]
    [InlineData("not json", "body")]
    public async Task An_invalid_submit_is_a_400_naming_the_field_in_Sunras_shape_before_Sunra_is_called(string body, string field)
    {
        using var response = await Orders.PostAsync(SunraWire.SubmitPath, Http.Json(body), Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), $"details does not name {field}: {error}");
        Assert.Equal(0, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_prompt_of_5001_code_points_is_refused_and_5000_emoji_are_accepted_as_on_remix()
    {
        using var tooLong = await Orders.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("v", new string('a', 5001))), Cancellation);
        using var emoji = await Orders.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("v", string.Concat(Enumerable.Repeat("😀", 5000)))), Cancellation);

        await tooLong.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.Equal(HttpStatusCode.OK, emoji.StatusCode);
        Assert.Equal(1, Sunra.Calls.Count);
    }

    [Theory]
    [InlineData("openai/sora-2/text-to-video")]
    [InlineData("fal-ai/flux/dev")]
    public async Task Another_endpoint_id_is_a_404_in_Sunras_shape_and_nothing_is_sent(string endpointId)
    {
        using var response = await Orders.PostAsync($"/v1/queue/{endpointId}", Http.Json(Body), Cancellation);

        var error = await response.AssertSunraErrorAsync(404, "ENDPOINT_NOT_FOUND");
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
        Assert.Equal(0, Sunra.Calls.Count);
    }

    [Fact]
    public async Task The_queue_lifecycle_answers_Sunras_shapes_and_COMPLETED_always_carries_success()
    {
        var id = await SubmitAsync();
        using var early = await Orders.GetAsync($"/v1/queue/requests/{id}", Cancellation);
        await early.AssertSunraErrorAsync(400, "REQUEST_NOT_COMPLETED");

        var completed = await UntilCompletedAsync(id);
        Assert.True(completed.GetProperty("success").GetBoolean());
        Assert.True(completed.TryGetProperty("metrics", out _));
        Assert.Equal($"http://localhost/v1/queue/requests/{id}", completed.GetProperty("response_url").GetString());

        using var result = await Orders.GetAsync($"/v1/queue/requests/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("video/mp4", (await result.ReadJsonAsync()).GetProperty("video").GetProperty("content_type").GetString());

        using var cancel = await Orders.PutAsync($"/v1/queue/requests/{id}/cancel", null, Cancellation);
        await cancel.AssertSunraErrorAsync(409, "NOT_CANCELLABLE");
    }

    [Fact]
    public async Task A_failed_generation_is_COMPLETED_without_success_and_its_result_is_Sunras_400_PREDICTION_FAILED()
    {
        Sunra.Requests.FailNextGeneration("unsafe_content", "The prompt was refused.");
        var id = await SubmitAsync();

        var completed = await UntilCompletedAsync(id);
        Assert.False(completed.GetProperty("success").GetBoolean());
        Assert.Equal("unsafe_content", completed.GetProperty("error").GetProperty("code").GetString());

        using var result = await Orders.GetAsync($"/v1/queue/requests/{id}", Cancellation);
        var error = await result.AssertSunraErrorAsync(400, "PREDICTION_FAILED");
        Assert.Equal("unsafe_content", error.GetProperty("details").GetProperty("code").GetString());
        Assert.Equal("The prompt was refused.", error.GetProperty("details").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_cancel_answers_a_status_Sunras_Java_client_can_read_and_Sunra_is_asked_once()
    {
        var id = await SubmitAsync();

        using var cancel = await Orders.PutAsync($"/v1/queue/requests/{id}/cancel", Http.Json("{}"), Cancellation);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var body = await cancel.ReadJsonAsync();
        Assert.Equal("CANCELED", body.GetProperty("status").GetString());
        Assert.Equal(id, body.GetProperty("request_id").GetString());
        Assert.Single(Sunra.Calls.All, c => c.Method == "PUT");
        using var result = await Orders.GetAsync($"/v1/queue/requests/{id}", Cancellation);
        await result.AssertSunraErrorAsync(410, "REMIX_CANCELED");
    }

    [Fact]
    public async Task The_status_stream_sends_only_data_lines_of_Sunra_statuses_and_ends_after_COMPLETED()
    {
        var id = await SubmitAsync();

        using var response = await Orders.GetAsync($"/v1/queue/requests/{id}/status/stream?logs=0", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Cancellation);

        var frames = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(frames, frame => Assert.True(frame.StartsWith("data: ", StringComparison.Ordinal) || frame.StartsWith(':'), frame));
        var statuses = frames.Where(f => f.StartsWith("data: ", StringComparison.Ordinal)).Select(f => JsonDocument.Parse(f["data: ".Length..]).RootElement).ToList();
        Assert.Equal("IN_QUEUE", statuses[0].GetProperty("status").GetString());
        Assert.Equal("COMPLETED", statuses[^1].GetProperty("status").GetString());
        Assert.True(statuses[^1].GetProperty("success").GetBoolean());
        Assert.All(statuses, s => Assert.Equal($"http://localhost/v1/queue/requests/{id}/status", s.GetProperty("status_url").GetString()));
    }

    [Fact]
    public async Task Status_takes_logs_0_or_1_as_Sunras_clients_send_it_and_refuses_anything_else()
    {
        var id = await SubmitAsync();

        using var withLogs = await Orders.GetAsync($"/v1/queue/requests/{id}/status?logs=1", Cancellation);
        using var without = await Orders.GetAsync($"/v1/queue/requests/{id}/status?logs=0", Cancellation);
        using var bad = await Orders.GetAsync($"/v1/queue/requests/{id}/status?logs=maybe", Cancellation);

        Assert.Equal(HttpStatusCode.OK, withLogs.StatusCode);
        Assert.Equal(HttpStatusCode.OK, without.StatusCode);
        Assert.Contains(Sunra.Calls.All, c => c.PathAndQuery.EndsWith("/status?logs=1", StringComparison.Ordinal));
        await bad.AssertSunraErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Sunras_Python_client_path_with_a_double_slash_and_its_Bearer_key_reach_the_same_request()
    {
        var id = await SubmitAsync();
        using var python = Gateway.CreateClient();
        python.DefaultRequestHeaders.Authorization = new("Bearer", GatewayFactory.OrdersKey);

        using var status = await python.GetAsync($"/v1/queue//requests/{id}/status", Cancellation);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(id, (await status.ReadJsonAsync()).GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("GET", "/v1/queue/requests/{0}/status")]
    [InlineData("GET", "/v1/queue/requests/{0}/status/stream")]
    [InlineData("GET", "/v1/queue/requests/{0}")]
    [InlineData("PUT", "/v1/queue/requests/{0}/cancel")]
    [InlineData("GET", "/v1/queue//requests/{0}/status")]
    public async Task Another_callers_request_is_a_404_on_every_route_and_Sunra_is_not_asked(string method, string route)
    {
        var id = await SubmitAsync();
        var calls = Sunra.Calls.Count;
        using var billing = Gateway.CreateClient().WithSunraKey(GatewayFactory.BillingKey);

        using var response = await billing.SendAsync(new HttpRequestMessage(new HttpMethod(method), RemixRoutes.Path(route, id)), Cancellation);

        await response.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        Assert.Equal(calls, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_request_id_outside_the_rule_is_a_400_in_Sunras_shape()
    {
        using var response = await Orders.GetAsync("/v1/queue/requests/pd.1/status", Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.True(error.GetProperty("details").TryGetProperty("request_id", out _));
    }

    [Fact]
    public async Task The_remix_door_keeps_its_problem_answers()
    {
        using var response = await Gateway.CreateClient().PostAsync("/remix", Http.Json(Body), Cancellation);

        await response.AssertProblemAsync(401, "/problems/unauthenticated");
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_Sunra_protocol_routes_and_their_error_body()
    {
        var paths = JsonDocument.Parse(await Gateway.CreateClient().GetStringAsync("/openapi/v1.json", Cancellation)).RootElement.GetProperty("paths");

        var submit = paths.GetProperty(SunraWire.SubmitPath).GetProperty("post");
        Assert.Equal("Sunra protocol", submit.GetProperty("tags")[0].GetString());
        Assert.True(submit.GetProperty("responses").GetProperty("400").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(paths.GetProperty("/v1/queue/requests/{request_id}/status").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/queue/requests/{request_id}/status/stream").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/queue/requests/{request_id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/queue/requests/{request_id}/cancel").TryGetProperty("put", out _));
        Assert.True(paths.GetProperty(SunraWire.ProxyPath).TryGetProperty("post", out _));
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.Contains("endpoint_id", StringComparison.Ordinal));
    }

    private async Task<string> SubmitAsync()
    {
        using var response = await Orders.PostAsync(SunraWire.SubmitPath, Http.Json(Body), Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("request_id").GetString()!;
    }

    private async Task<JsonElement> UntilCompletedAsync(string id)
    {
        for (var poll = 0; poll < 200; poll++)
        {
            using var response = await Orders.GetAsync($"/v1/queue/requests/{id}/status?logs=0", Cancellation);
            var status = await response.ReadJsonAsync();
            if (status.GetProperty("status").GetString() == "COMPLETED")
            {
                return status;
            }

            await Task.Delay(50, Cancellation);
        }

        throw new TimeoutException($"{id} did not complete.");
    }
}
