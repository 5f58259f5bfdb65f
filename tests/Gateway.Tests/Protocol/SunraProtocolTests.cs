using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sunra.Protocol;

namespace Gateway.Tests.Protocol;

/// <summary>Sunra.Protocol's rules on their own: the error catalog, the type rule, the key rule, the error body's JSON.</summary>
public sealed class SunraProtocolTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void The_catalog_holds_each_code_of_Sunras_wire_format_once_with_its_status_and_type()
    {
        (string Code, int Status, string Type)[] expected =
        [
            ("INVALID_REQUEST", 400, "invalid_request_error"),
            ("UNAUTHENTICATED", 401, "authentication_error"),
            ("REMIX_NOT_FOUND", 404, "not_found_error"),
            ("ENDPOINT_NOT_FOUND", 404, "not_found_error"),
            ("REQUEST_NOT_COMPLETED", 400, "invalid_request_error"),
            ("PREDICTION_FAILED", 400, "invalid_request_error"),
            ("REMIX_CANCELED", 410, "invalid_request_error"),
            ("NOT_CANCELLABLE", 409, "invalid_request_error"),
            ("RATE_LIMITED", 429, "rate_limit_error"),
            ("QUOTA_EXHAUSTED", 429, "rate_limit_error"),
            ("PAYLOAD_TOO_LARGE", 413, "invalid_request_error"),
            ("UNSUPPORTED_MEDIA_TYPE", 415, "invalid_request_error"),
            ("RATE_LIMIT_EXCEEDED", 403, "rate_limit_error"),
        ];

        Assert.Equal(expected, SunraErrors.All.Select(error => (error.Code, error.Status, error.Type)));
        Assert.Distinct(SunraErrors.All.Select(error => error.Code));
    }

    [Fact]
    public void Sunras_throttle_is_a_403_typed_as_a_rate_limit_not_as_the_refused_key_its_status_implies()
    {
        Assert.Equal(403, SunraErrors.RateLimitExceeded.Status);
        Assert.Equal("rate_limit_error", SunraErrors.RateLimitExceeded.Type);
        Assert.Equal("authorization_error", SunraErrorTypes.Of(403));
        Assert.Equal(["RATE_LIMIT_EXCEEDED"], SunraErrors.OnlySunraAnswers.Select(error => error.Code));
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "authorization_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(409, "invalid_request_error")]
    [InlineData(410, "invalid_request_error")]
    [InlineData(413, "invalid_request_error")]
    [InlineData(415, "invalid_request_error")]
    [InlineData(422, "validation_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(504, "api_error")]
    public void An_errors_type_follows_its_status(int status, string type)
    {
        Assert.Equal(type, SunraErrorTypes.Of(status));
    }

    [Theory]
    [InlineData("Key sk_1", "sk_1")]
    [InlineData("Bearer sk_1", "sk_1")]
    [InlineData("key sk_1", "sk_1")]
    [InlineData("BEARER sk_1", "sk_1")]
    [InlineData("Key   sk_1  ", "sk_1")]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("Key", null)]
    [InlineData("Key ", null)]
    [InlineData("sk_1", null)]
    [InlineData("Basic c2tfMTo=", null)]
    [InlineData("Keys sk_1", null)]
    public void A_key_is_read_from_Key_or_Bearer_in_any_case_and_from_nothing_else(string? authorization, string? key)
    {
        Assert.Equal(key, SunraAuthorization.KeyOf(authorization));
    }

    [Theory]
    [InlineData("?webhook=https://hooks.example/done?token=t1&id=7", "https://hooks.example/done?token=t1", null, "https://hooks.example/done?token=t1&id=7")]
    [InlineData("?logs=1&webhook=https%3A%2F%2Fhooks.example%2Fdone%3Ftoken%3Dt1%26id%3D7", "https://hooks.example/done?token=t1&id=7", null, "https://hooks.example/done?token=t1&id=7")]
    [InlineData("?sunra_webhook=https%3A%2F%2Fhooks.example%2Fdone%3Fid%3D7", null, "https://hooks.example/done?id=7", "https://hooks.example/done?id=7")]
    [InlineData("?logs=0", null, null, null)]
    public void A_submits_webhook_is_read_whole_however_the_client_wrote_it(string query, string? webhook, string? sunraWebhook, string? expected)
    {
        Assert.Equal(expected, SunraWebhooks.Of(webhook, sunraWebhook, query));
    }

    [Fact]
    public void A_key_is_sent_as_Key()
    {
        Assert.Equal("Key sk_1", SunraAuthorization.HeaderValue("sk_1"));
    }

    [Fact]
    public void An_error_body_is_snake_case_and_always_carries_details_null_included()
    {
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

        var json = JsonSerializer.Serialize(SunraErrors.RemixNotFound.Body("No such request.", null, at, "req_1"), SunraProtocolJsonContext.Default.SunraErrorBody);

        Assert.Equal(
            """{"error":{"type":"not_found_error","code":"REMIX_NOT_FOUND","message":"No such request.","details":null},"timestamp":"2026-12-01T09:00:00+00:00","request_id":"req_1"}""",
            json);
    }

    [Fact]
    public void Invalid_input_details_list_the_messages_of_each_field_by_its_wire_name()
    {
        var details = SunraErrors.DetailsByField(new Dictionary<string, string[]> { ["video_id"] = ["Field required"] });

        Assert.Equal("""{"video_id":["Field required"]}""", details.GetRawText());
    }

    [Fact]
    public void The_JSON_schema_of_details_is_any_JSON_value_and_required()
    {
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(SunraProtocolJsonContext.Default.Options, typeof(SunraErrorDetail));

        Assert.True(JsonNode.DeepEquals(JsonValue.Create(true), schema["properties"]!["details"]), $"details: {schema["properties"]!["details"]?.ToJsonString()}");
        Assert.Equal(["type", "code", "message", "details"], schema["required"]!.AsArray().Select(name => name!.GetValue<string>()));
    }

    [Fact]
    public async Task In_an_OpenAPI_document_details_is_any_JSON_value_not_a_oneOf_of_null_and_an_empty_schema()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, SunraProtocolJsonContext.Default));
        await using var app = builder.Build();
        app.MapOpenApi();
        app.MapGet("/error", () => Results.Empty).Produces<SunraErrorBody>(StatusCodes.Status400BadRequest, "application/json");
        await app.StartAsync(Cancellation);

        var document = JsonNode.Parse(await app.GetTestClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), Cancellation))!;

        var schemas = document["components"]!["schemas"]!;
        var detail = schemas["SunraErrorDetail"]!;
        var details = detail["properties"]!["details"]!;
        Assert.Null(details["oneOf"]);
        Assert.Null(details["anyOf"]);

        // Its schema, or the one it refers to, is the empty one: any JSON value.
        var schema = details["$ref"] is { } reference ? schemas[reference.GetValue<string>().Split('/')[^1]]! : details;
        Assert.Empty(schema.AsObject());
        Assert.Contains("details", detail["required"]!.AsArray().Select(name => name!.GetValue<string>()));
    }
}
