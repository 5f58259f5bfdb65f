using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>What is served besides the remix routes, in Production: health, the OpenAPI document, Swagger UI.</summary>
public sealed class SurfaceTests : GatewayTest
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_healthy(string path)
    {
        using var response = await Client.GetAsync(path, Cancellation);

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
        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        var line = Assert.Single(Gateway.Logs.Events, e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal) && e.Properties["RequestPath"].ToString() == "\"/remix\"");
        Assert.Equal("\"POST\"", line.Properties["RequestMethod"].ToString());
        Assert.Equal("202", line.Properties["StatusCode"].ToString());
        Assert.True(line.Properties.ContainsKey("Elapsed"));
        Assert.False(string.IsNullOrEmpty(line.Properties["GatewayRequestId"].ToString().Trim('"')));
        Assert.StartsWith("\"req_", line.Properties["SunraRequestId"].ToString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await Client.GetAsync("/openapi/v1.json", Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
