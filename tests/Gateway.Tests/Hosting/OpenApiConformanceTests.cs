using System.Net;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The checker every in-process test's answers pass through, against a small document of its own:
/// what it finds, how precisely it says it, and what it leaves alone.
/// </summary>
public sealed class OpenApiConformanceTests
{
    private const string Document = """
        {
          "openapi": "3.1.1",
          "info": { "title": "t", "version": "1" },
          "paths": {
            "/things/{id}": { "get": { "operationId": "GetThing", "responses": {
              "200": { "description": "a thing",
                "headers": { "Retry-After": { "required": true, "schema": { "type": "integer" } } },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } } },
              "404": { "description": "none",
                "content": { "application/problem+json": { "schema": { "type": "object" },
                  "examples": { "not-found": { "value": { "type": "/problems/not-found" } } } } } } } } },
            "/things/{id}/events": { "get": { "operationId": "ThingEvents", "responses": {
              "200": { "description": "events", "content": { "text/event-stream": { "schema": { "$ref": "#/components/schemas/Thing" } } } } } } },
            "/things": { "post": { "operationId": "MakeThing",
              "parameters": [ { "name": "Idempotency-Key", "in": "header", "schema": { "type": "string" } } ],
              "responses": { "400": { "description": "bad", "content": { "application/json": { "schema": { "type": "object" } } } } } } },
            "/queue/{**endpoint_id}": { "post": { "operationId": "AnyEndpoint", "responses": { "204": { "description": "ok" } } } },
            "/queue/requests/{id}": { "post": { "operationId": "OneRequest", "responses": { "204": { "description": "ok" } } } }
          },
          "components": { "schemas": { "Thing": {
            "type": "object", "required": ["name"],
            "properties": { "name": { "type": "string", "minLength": 2 }, "size": { "$ref": "#/components/schemas/Size" } } },
            "Size": { "type": ["null", "integer"] } } }
        }
        """;

    private static readonly OpenApiContract Contract = OpenApiContract.Of(Encoding.UTF8.GetBytes(Document));

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_body_that_breaks_its_schema_fails_the_call_naming_the_operation_status_pointer_and_error()
    {
        using var client = Answering(HttpStatusCode.OK, """{"name": "x", "size": "big"}""", retryAfter: "3");

        var failure = await Assert.ThrowsAsync<OpenApiConformanceException>(() => client.GetAsync("/things/t1", Cancellation));

        Assert.Contains("GET /things/t1 → 200, operation GetThing: /name: minLength", failure.Message, StringComparison.Ordinal);
        Assert.Contains("GET /things/t1 → 200, operation GetThing: /size: type", failure.Message, StringComparison.Ordinal);
        Assert.Contains("(schema /components/schemas/Size)", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, KeptForAfterTheTest().Count);
    }

    [Fact]
    public async Task A_valid_answer_passes_and_stays_readable()
    {
        using var client = Answering(HttpStatusCode.OK, """{"name": "xy", "size": null}""", retryAfter: "3");

        using var response = await client.GetAsync("/things/t1", Cancellation);

        Assert.Equal("""{"name": "xy", "size": null}""", await response.Content.ReadAsStringAsync(Cancellation));
        Assert.Empty(KeptForAfterTheTest());
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, "application/json", "{}", null, "status: 409 is not documented (documented: 200, 404)")]
    [InlineData(HttpStatusCode.OK, "text/plain", "hi", "3", "content-type: text/plain is not declared (declared: application/json)")]
    [InlineData(HttpStatusCode.OK, "application/json", """{"name": "xy"}""", null, "header Retry-After: is required by the document but missing")]
    [InlineData(HttpStatusCode.OK, "application/json", """{"name": "xy"}""", "soon", "header Retry-After: 'soon'")]
    [InlineData(HttpStatusCode.OK, "application/json", "{", "3", "body: is not JSON")]
    [InlineData(HttpStatusCode.NotFound, "application/problem+json", """{"type": "/problems/gone"}""", null, "/type: '/problems/gone' is none of the problem types documented for 404")]
    public async Task Each_part_of_an_answer_is_held_to_the_document(HttpStatusCode status, string mediaType, string body, string? retryAfter, string expected)
    {
        using var client = Answering(status, body, retryAfter, mediaType);

        var failure = await Assert.ThrowsAsync<OpenApiConformanceException>(() => client.GetAsync("/things/t1", Cancellation));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        Assert.NotEmpty(KeptForAfterTheTest());
    }

    [Fact]
    public async Task A_400_blaming_a_parameter_the_document_allows_shows_the_document_wrong()
    {
        using var client = Answering(HttpStatusCode.BadRequest, """{"errors": {"Idempotency-Key": ["Must be visible ASCII."]}}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/things");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "has space");

        var failure = await Assert.ThrowsAsync<OpenApiConformanceException>(() => client.SendAsync(request, Cancellation));

        Assert.Contains("POST /things → 400, operation MakeThing: parameter Idempotency-Key: the document allows 'has space'", failure.Message, StringComparison.Ordinal);
        Assert.Single(KeptForAfterTheTest());
    }

    [Fact]
    public async Task Each_event_of_a_stream_is_checked_as_the_test_reads_it()
    {
        const string Events = ": heartbeat\n\nid: 1\nevent: status\ndata: {\"name\":\ndata: \"ok\"}\n\nid: 2\ndata: {\"name\": \"x\"}\n\n";
        using var client = Answering(HttpStatusCode.OK, Events, mediaType: "text/event-stream");

        using var response = await client.GetAsync("/things/t1/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancellation));
        var failure = await Assert.ThrowsAsync<OpenApiConformanceException>(() => reader.ReadToEndAsync(Cancellation));

        Assert.Contains("GET /things/t1/events → 200, operation ThingEvents: event /name: minLength", failure.Message, StringComparison.Ordinal);
        Assert.Single(KeptForAfterTheTest());
    }

    [Fact]
    public async Task A_stream_the_test_does_not_read_is_not_checked()
    {
        using var client = Answering(HttpStatusCode.OK, "data: {}\n\n", mediaType: "text/event-stream");

        using var response = await client.GetAsync("/things/t1/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(KeptForAfterTheTest());
    }

    [Theory]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/things")]
    [InlineData("DELETE", "/things/t1")]
    [InlineData("GET", "/openapi/v1.json")]
    public async Task What_the_document_does_not_describe_is_not_checked(string method, string path)
    {
        using var client = Answering(HttpStatusCode.OK, "not json at all", mediaType: "application/json");

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/queue/openai/sora-2/video-to-video", "AnyEndpoint")]
    [InlineData("POST", "/queue/requests/pd_1", "OneRequest")]
    [InlineData("POST", "/queue/requests/pd_1/", "OneRequest")]
    [InlineData("POST", "/QUEUE/Requests/pd_1", "OneRequest")]
    [InlineData("POST", "/queue//requests/pd_1", null)]
    [InlineData("GET", "/things/a%20b", "GetThing")]
    [InlineData("GET", "/things/a/b", null)]
    public void A_request_is_matched_to_its_path_template_literal_segments_first_and_catch_alls_last(string method, string path, string? operation)
    {
        Assert.Equal(operation, Contract.Find(method, path)?.Id);
    }

    [Fact]
    public void The_document_lint_finds_an_error_response_without_an_example()
    {
        var lint = Contract.Lint().Select(v => v.ToString()).ToList();

        Assert.Equal(["document → 400, operation MakeThing: example: application/json of 400 shows no example"], lint);
    }

    [Fact]
    public void The_document_lint_finds_a_shared_or_missing_operationId_and_a_reference_to_nothing()
    {
        var broken = OpenApiContract.Of(Encoding.UTF8.GetBytes("""
            {
              "openapi": "3.1.1",
              "paths": { "/a": {
                "get": { "operationId": "Same", "responses": {} },
                "put": { "operationId": "Same", "responses": {} },
                "post": { "responses": { "200": { "description": "ok",
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Gone" } } } } } } } }
            }
            """));

        var lint = broken.Lint().Select(v => $"{v.Operation} {v.Where}: {v.What}").ToList();

        Assert.Contains("(document) $ref: #/components/schemas/Gone resolves to nothing", lint);
        Assert.Contains("Same operationId: GET /a shares it with another operation", lint);
        Assert.Contains("Same operationId: PUT /a shares it with another operation", lint);
        Assert.Contains("(no operationId) POST /a operationId: is missing", lint);
        Assert.Contains(lint, l => l.StartsWith("(no operationId) POST /a schema: application/json of 200: ", StringComparison.Ordinal));
    }

    // The contradictions kept for the check after the test; taken here, as the test caught them on purpose.
    private static IReadOnlyList<DocumentViolation> KeptForAfterTheTest() => OpenApiConformance.TakeKept(TestContext.Current.Test?.UniqueID);

    private static HttpClient Answering(HttpStatusCode status, string body, string? retryAfter = null, string mediaType = "application/json")
    {
        var handler = new OpenApiConformanceHandler(Contract) { InnerHandler = new Canned(status, body, mediaType, retryAfter) };
        return new HttpClient(handler) { BaseAddress = new Uri("http://gateway.test") };
    }

    private sealed class Canned(HttpStatusCode status, string body, string mediaType, string? retryAfter) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(status)
            {
                RequestMessage = request,
                Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body))),
            };
            response.Content.Headers.ContentType = new(mediaType);
            if (retryAfter is not null)
            {
                response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
            }

            return Task.FromResult(response);
        }
    }
}
