using System.Net;
using System.Text.Json;
using Gateway.Problems;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// What is served besides the remix routes, in Production: health, the OpenAPI document, Swagger UI.
/// The tests share one host: each reads its own answers and its own log lines.
/// </summary>
public sealed class SurfaceTests(GatewayHost host) : GatewayTest(host), IClassFixture<GatewayHost>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_healthy_without_a_key(string path)
    {
        using var anonymous = Gateway.CreateClientWithKey(null);

        using var response = await anonymous.GetAsync(path, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Cancellation));
    }

    [Fact]
    public async Task Swagger_UI_is_served_in_Production_and_shows_the_gateways_document()
    {
        using var page = await Client.GetAsync("/swagger", Cancellation);
        using var initializer = await Client.GetAsync("/swagger/index.js", Cancellation);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.EndsWith("/swagger/index.html", page.RequestMessage?.RequestUri?.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        Assert.Contains("/openapi/v1.json", await initializer.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swagger_UI_loads_the_plugin_that_plays_a_results_video()
    {
        var page = await Client.GetStringAsync("/swagger/index.html", Cancellation);
        var initializer = await Client.GetStringAsync("/swagger/index.js", Cancellation);

        Assert.Contains("function RemixVideoPlugin()", page, StringComparison.Ordinal);
        Assert.Contains("\"plugins\":[\"RemixVideoPlugin\"]", initializer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_route_has_a_summary_and_a_description()
    {
        foreach (var (route, operation) in Operations(await DocumentAsync()))
        {
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{route} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()), $"{route} has no description");
        }
    }

    [Fact]
    public async Task The_documented_remix_example_is_valid_and_answered_in_the_documented_shape()
    {
        var submit = (await DocumentAsync()).GetProperty("paths").GetProperty("/remix").GetProperty("post");
        var example = submit.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("examples").GetProperty("remix").GetProperty("value");
        var accepted = submit.GetProperty("responses").GetProperty("202").GetProperty("content").GetProperty("application/json").GetProperty("examples").GetProperty("accepted").GetProperty("value");

        using var response = await Client.PostAsync("/remix", Http.Json(example.GetRawText()), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(Names(accepted), Names(await response.ReadJsonAsync()));
        Assert.InRange(example.GetProperty("prompt").GetString()!.EnumerateRunes().Count(), 1, 5000);
        Assert.NotEmpty(example.GetProperty("video_id").GetString()!);
    }

    [Fact]
    public async Task The_status_route_shows_an_example_of_every_status_shape()
    {
        var examples = (await DocumentAsync()).GetProperty("paths").GetProperty("/remix/{request_id}/status").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("examples");

        var shapes = examples.EnumerateObject().Select(e => e.Value.GetProperty("value")).ToList();
        Assert.Equal(["CANCELED", "COMPLETED", "IN_PROGRESS", "IN_QUEUE"], shapes.Select(s => s.GetProperty("status").GetString()).Distinct().Order());
        Assert.Contains(shapes, s => s.GetProperty("status").GetString() == "IN_QUEUE" && s.TryGetProperty("queue_position", out _));
        Assert.Contains(shapes, s => s.TryGetProperty("success", out var success) && success.GetBoolean() && s.TryGetProperty("metrics", out _));
        Assert.Contains(shapes, s => s.TryGetProperty("success", out var success) && !success.GetBoolean() && s.GetProperty("error").TryGetProperty("message", out _));
        Assert.All(examples.EnumerateObject(), e => Assert.False(string.IsNullOrEmpty(e.Value.GetProperty("summary").GetString())));
    }

    [Fact]
    public async Task The_result_cancel_and_events_routes_show_their_answers()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");

        var result = paths.GetProperty("/remix/{request_id}").GetProperty("get").GetProperty("responses");
        var videos = ExamplesOf(result.GetProperty("200"), "application/json").Select(example => example.GetProperty("video")).ToList();
        Assert.All(videos, video => Assert.StartsWith("video/", video.GetProperty("content_type").GetString(), StringComparison.Ordinal));
        Assert.Equal([false, true], videos.Select(video => video.TryGetProperty("kept_by_gateway", out var kept) && kept.GetBoolean()).Order());
        Assert.Contains(videos, video => video.TryGetProperty("sha256", out _) && video.GetProperty("url").GetString()!.Contains("/videos/", StringComparison.Ordinal));
        Assert.Equal(["IN_PROGRESS", "IN_QUEUE"], ExamplesOf(result.GetProperty("202"), "application/json").Select(s => s.GetProperty("status").GetString()).Order());
        Assert.True(result.GetProperty("202").GetProperty("headers").TryGetProperty("Retry-After", out _));
        var cancel = paths.GetProperty("/remix/{request_id}/cancel").GetProperty("post").GetProperty("responses").GetProperty("202");
        Assert.Equal("CANCELLATION_REQUESTED", ExamplesOf(cancel, "application/json").Single().GetProperty("status").GetString());
        var events = paths.GetProperty("/remix/{request_id}/events").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("text/event-stream").GetProperty("example").GetString();
        Assert.StartsWith("id: IN_QUEUE.0\nevent: status\ndata: {", events, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"COMPLETED\"", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_response_shows_an_example_of_each_problem_it_can_be_and_every_problem_type_is_shown()
    {
        var document = await DocumentAsync();
        var shown = new HashSet<string>();

        foreach (var (route, operation) in Operations(document).Concat(CallbackOperations(document)))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Value.TryGetProperty("content", out var c) && c.TryGetProperty("application/problem+json", out _)))
            {
                var problems = ExamplesOf(response.Value, "application/problem+json").ToList();
                Assert.True(problems.Count > 0, $"{route} {response.Name} has no problem example");
                foreach (var problem in problems)
                {
                    Assert.Equal(int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("status").GetInt32());
                    Assert.Contains($"`{problem.GetProperty("type").GetString()}`", response.Value.GetProperty("description").GetString(), StringComparison.Ordinal);
                    shown.Add(problem.GetProperty("type").GetString()!);
                }
            }
        }

        // The Sunra doors show the same catalog in Sunra's error shape, by code.
        foreach (var (route, operation) in Operations(document))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject()
                .Where(r => r.Name[0] is '4' or '5' && r.Value.TryGetProperty("content", out var c) && c.TryGetProperty("application/json", out _)))
            {
                foreach (var error in ExamplesOf(response.Value, "application/json").Where(e => e.TryGetProperty("error", out _)))
                {
                    var code = error.GetProperty("error").GetProperty("code").GetString();
                    shown.Add(ProblemCatalog.All.Single(type => type.Code == code).Uri);
                }
            }
        }

        Assert.Empty(ProblemCatalog.All.Select(type => type.Uri).Except(shown));
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_route_of_the_lifecycle()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");

        Assert.True(paths.GetProperty("/remix").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/remix/{request_id}/status").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/remix/{request_id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/remix/{request_id}/cancel").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/remix/{request_id}/events").TryGetProperty("get", out _));
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/sandbox", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_request_schema_shows_the_model_cards_limits()
    {
        var document = await DocumentAsync();
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("RemixRequest");

        Assert.Equal(["prompt", "video_id"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        var prompt = schema.GetProperty("properties").GetProperty("prompt");
        Assert.Equal(1, prompt.GetProperty("minLength").GetInt32());
        Assert.Equal(5000, prompt.GetProperty("maxLength").GetInt32());
        Assert.Equal("string", prompt.GetProperty("type").GetString());
        var videoId = schema.GetProperty("properties").GetProperty("video_id");
        Assert.Equal(1, videoId.GetProperty("minLength").GetInt32());
        Assert.Equal("string", videoId.GetProperty("type").GetString());
        Assert.Equal(["prompt", "video_id", "webhook_url"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(2048, schema.GetProperty("properties").GetProperty("webhook_url").GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public async Task Status_values_are_a_string_enum_and_numbers_are_plain_integers()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");

        var state = schemas.GetProperty("RemixState");
        Assert.Equal("string", state.GetProperty("type").GetString());
        Assert.Equal(["IN_QUEUE", "IN_PROGRESS", "COMPLETED", "CANCELED"], state.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var position = schemas.GetProperty("RemixStatus").GetProperty("properties").GetProperty("queue_position");
        Assert.DoesNotContain("string", position.GetProperty("type").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Every_route_documents_its_problem_answers_and_the_request_id_pattern()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");

        var submit = paths.GetProperty("/remix").GetProperty("post").GetProperty("responses");
        foreach (var code in new[] { "202", "400", "415", "422", "502", "503", "504" })
        {
            Assert.True(submit.TryGetProperty(code, out _), $"POST /remix does not document {code}");
        }

        Assert.True(submit.GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json", out _));
        var result = paths.GetProperty("/remix/{request_id}").GetProperty("get");
        foreach (var code in new[] { "200", "202", "404", "410", "422", "502" })
        {
            Assert.True(result.GetProperty("responses").TryGetProperty(code, out _), $"GET /remix/{{request_id}} does not document {code}");
        }

        var parameter = result.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "request_id");
        Assert.Equal("^[A-Za-z0-9_-]{1,128}$", parameter.GetProperty("schema").GetProperty("pattern").GetString());
    }

    [Fact]
    public async Task The_document_declares_the_caller_key_so_Swagger_UI_offers_Authorize()
    {
        var document = await DocumentAsync();

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        var submit = document.GetProperty("paths").GetProperty("/remix").GetProperty("post");
        Assert.Contains(submit.GetProperty("security").EnumerateArray(), requirement => requirement.TryGetProperty("ApiKey", out _));
        Assert.True(submit.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(submit.GetProperty("responses").TryGetProperty("429", out _));
    }

    [Fact]
    public async Task The_submit_documents_its_Idempotency_Key_header_and_its_409_and_503()
    {
        var submit = (await DocumentAsync()).GetProperty("paths").GetProperty("/remix").GetProperty("post");

        var header = Assert.Single(submit.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("header", header.GetProperty("in").GetString());
        Assert.False(header.TryGetProperty("required", out var required) && required.GetBoolean());
        Assert.Contains("request_id", header.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(submit.GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(submit.GetProperty("responses").TryGetProperty("503", out _));
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var response = await Client.GetAsync("/nothing/here", Cancellation);

        await response.AssertProblemAsync(404);
    }

    [Fact]
    public async Task Each_request_is_logged_once_with_the_gateway_and_Sunra_request_ids()
    {
        var before = Gateway.Logs.Events.Count;

        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        var line = Assert.Single(Gateway.Logs.Events.ToArray()[before..], e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal) && e.Properties["RequestPath"].ToString() == "\"/remix\"");
        Assert.Equal("\"POST\"", line.Properties["RequestMethod"].ToString());
        Assert.Equal("202", line.Properties["StatusCode"].ToString());
        Assert.True(line.Properties.ContainsKey("Elapsed"));
        Assert.False(string.IsNullOrEmpty(line.Properties["GatewayRequestId"].ToString().Trim('"')));
        Assert.StartsWith("\"req_", line.Properties["SunraRequestId"].ToString(), StringComparison.Ordinal);
    }

    private static IEnumerable<(string Route, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject().Select(operation => ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value)));

    // The calls the other way that operations document (Sunra's callback on the submits).
    private static IEnumerable<(string Route, JsonElement Operation)> CallbackOperations(JsonElement document) =>
        from parent in Operations(document)
        where parent.Operation.ValueKind == JsonValueKind.Object && parent.Operation.TryGetProperty("callbacks", out _)
        from callback in parent.Operation.GetProperty("callbacks").EnumerateObject()
        from path in callback.Value.EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("responses", out _)
        select ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);

    private static IEnumerable<JsonElement> ExamplesOf(JsonElement response, string mediaType) =>
        response.GetProperty("content").GetProperty(mediaType).GetProperty("examples").EnumerateObject().Select(e => e.Value.GetProperty("value"));

    private static string[] Names(JsonElement body) => [.. body.EnumerateObject().Select(p => p.Name).Order()];

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await Client.GetAsync("/openapi/v1.json", Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
