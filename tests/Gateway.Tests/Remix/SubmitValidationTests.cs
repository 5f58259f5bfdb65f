using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Remix;

/// <summary>What a submit must be, and what reaches Sunra of it. The tests share one host: each counts only the calls Sunra got from it.</summary>
public sealed class SubmitValidationTests(GatewayHost host) : GatewayTest(host), IClassFixture<GatewayHost>
{
    private const string Emoji = "\U0001F3AC"; // 🎬: one code point, two UTF-16 units, four UTF-8 bytes

    public static TheoryData<string, int> AcceptedPrompts => new()
    {
        { "a", 1 },
        { Emoji, 1 },
        { new string('a', 5000), 5000 },
        { string.Concat(Enumerable.Repeat(Emoji, 5000)), 5000 },
        { new string('a', 4999) + Emoji, 5000 },
    };

    public static TheoryData<string, int> RefusedPrompts => new()
    {
        { "", 0 },
        { new string('a', 5001), 5001 },
        { string.Concat(Enumerable.Repeat(Emoji, 5001)), 5001 },
        { new string('a', 5000) + Emoji, 5001 },
    };

    [Theory]
    [MemberData(nameof(AcceptedPrompts))]
    public async Task Prompts_of_1_to_5000_code_points_are_accepted_and_reach_Sunra_byte_for_byte(string prompt, int codePoints)
    {
        Assert.InRange(codePoints, 1, 5000);

        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("video_abc", prompt)), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var call = Assert.Single(SunraCalls);
        var body = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal(prompt, body.GetProperty("prompt").GetString());
        Assert.Equal("video_abc", body.GetProperty("video_id").GetString());

        // The prompt's own UTF-8 bytes are in the upstream body: no \u escapes, no normalisation.
        Assert.Contains(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(prompt)), call.BodyText, StringComparison.Ordinal);
        Assert.Equal(["prompt", "video_id"], body.EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [MemberData(nameof(RefusedPrompts))]
    public async Task Prompts_outside_1_to_5000_code_points_are_refused_before_Sunra_is_called(string prompt, int codePoints)
    {
        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("video_abc", prompt)), Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        var message = Assert.Single(problem.ErrorsFor("prompt"));
        Assert.Contains($"it has {codePoints}", message, StringComparison.Ordinal);
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task A_prompt_with_characters_json_must_escape_reaches_Sunra_unchanged()
    {
        const string prompt = "He said \"cut!\"\n\tthen\\left <b>&'\u0001 — 雨の中 \U0001F327";

        using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("video_abc", prompt)), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var sent = JsonDocument.Parse(Assert.Single(SunraCalls).Body).RootElement.GetProperty("prompt").GetString();
        Assert.Equal(prompt, sent);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"prompt": "x"}""", "video_id" },
        { """{"video_id": "v"}""", "prompt" },
        { """{"video_id": null, "prompt": "x"}""", "video_id" },
        { """{"video_id": "v", "prompt": null}""", "prompt" },
        { """{"video_id": "", "prompt": "x"}""", "video_id" },
        { """{"video_id": 42, "prompt": "x"}""", "video_id" },
        { """{"video_id": "v", "prompt": ["x"]}""", "prompt" },
        { """{"video_id": "v", "prompt": {"text": "x"}}""", "prompt" },
        { """{"video_id": "v", "prompt": true}""", "prompt" },
        { """{"video_id": "v", "prompt": "\ud800"}""", "prompt" },
        { """{"video_id": "v", "prompt": "a\udc00b"}""", "prompt" },
        { """{"video_id": "v", "prompt": "x", "prompt": "y"}""", "prompt" },
        { """{"Video_Id": "v", "prompt": "x"}""", "video_id" },
        { """["v", "x"]""", "body" },
        { "\"just a string\"", "body" },
        { "42", "body" },
        { "null", "body" },
        { """{"video_id": "v", "prompt": "x" """, "body" },
        { "{not json}", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_body_that_is_not_a_valid_remix_gets_a_400_problem_naming_the_field(string body, string field)
    {
        using var response = await Client.PostAsync("/remix", Http.Json(body), Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.NotEmpty(problem.ErrorsFor(field));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task Other_fields_are_ignored_and_never_reach_Sunra()
    {
        const string body = """{"video_id": "v", "prompt": "p", "webhook": "http://attacker.example", "model": "sora-2-pro", "n": 9, "extra": {"a": [1]}}""";

        using var response = await Client.PostAsync("/remix", Http.Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var call = Assert.Single(SunraCalls);
        Assert.Equal("""{"video_id":"v","prompt":"p"}""", call.BodyText);
        Assert.Equal("/v1/queue/openai/sora-2/video-to-video", call.PathAndQuery);
    }

    [Fact]
    public async Task Missing_fields_are_all_named_at_once()
    {
        using var response = await Client.PostAsync("/remix", Http.Json("{}"), Cancellation);

        var problem = await response.AssertProblemAsync(400);
        Assert.NotEmpty(problem.ErrorsFor("video_id"));
        Assert.NotEmpty(problem.ErrorsFor("prompt"));
    }

    [Fact]
    public async Task Invalid_UTF8_in_the_body_is_refused_with_the_field_named()
    {
        var body = Encoding.UTF8.GetBytes("""{"video_id": "v", "prompt": "ab"}""");
        var at = Array.IndexOf(body, (byte)'b');
        body[at] = 0xFF;

        using var response = await Client.PostAsync("/remix", Http.Json(body), Cancellation);

        var problem = await response.AssertProblemAsync(400);
        Assert.Equal(["prompt is not valid UTF-8 text."], problem.ErrorsFor("prompt"));
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task A_body_nested_too_deeply_is_refused_as_a_problem()
    {
        var body = """{"video_id": "v", "prompt": "p", "x": """ + new string('[', 100) + new string(']', 100) + "}";

        using var response = await Client.PostAsync("/remix", Http.Json(body), Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.Contains("nested too deeply", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(SunraCalls);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json;charset=\"utf-8\"")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json")]
    public async Task A_UTF8_JSON_body_is_read_however_the_charset_is_written(string contentType)
    {
        using var response = await PostAsUtf8Async(contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=")]
    public async Task An_unknown_charset_is_refused_with_415(string contentType)
    {
        using var response = await PostAsUtf8Async(contentType);

        var problem = await response.AssertProblemAsync(415, "/problems/unsupported-media-type");
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task An_empty_body_is_refused_as_a_problem()
    {
        using var response = await Client.PostAsync("/remix", Http.Json(""), Cancellation);

        var problem = await response.AssertProblemAsync(400);
        Assert.NotEmpty(problem.ErrorsFor("body"));
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_with_415()
    {
        using var response = await Client.PostAsync("/remix", new StringContent("video_id=v&prompt=x", Encoding.UTF8, "application/x-www-form-urlencoded"), Cancellation);

        var problem = await response.AssertProblemAsync(415, "/problems/unsupported-media-type");
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(SunraCalls);
    }

    private async Task<HttpResponseMessage> PostAsUtf8Async(string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Http.Remix("v", "p")));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await Client.PostAsync("/remix", content, Cancellation);
    }
}
