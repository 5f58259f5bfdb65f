using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using Sunra.Emulator;

namespace Gateway.Tests.Callbacks;

/// <summary>
/// Sunra's callback at the end of a remix, in process: the emulator cannot reach the test host, so the
/// test POSTs the callback itself, to the URL the submit carried. The callback's body is never believed:
/// the right URL only makes the gateway ask Sunra at once. The gateway and the emulator run on the
/// test's clock, so a remix completes, and the keep-alive passes, when the test says so.
/// </summary>
public sealed partial class SunraCallbackTests : GatewayTest
{
    private const string Base = "http://127.0.0.1:9/edge";

    private const string Forged = """{"status":"OK","request_id":"{0}","payload":{"video":{"url":"https://evil.example/x.mp4","content_type":"video/mp4","file_name":"x.mp4","file_size":1}}}""";

    private readonly FakeTimeProvider _clock;

    public SunraCallbackTests()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)))
    {
    }

    private SunraCallbackTests(FakeTimeProvider clock)
        : base(
            emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromHours(1),
            clock: clock,
            settings: new Dictionary<string, string?> { ["Sunra:CallbackBaseUrl"] = Base },
            gatewayClock: clock) =>
        _clock = clock;

    [Fact]
    public async Task With_a_callback_base_url_every_submit_asks_Sunra_to_call_back_at_a_url_of_its_own()
    {
        await Client.SubmitAsync(prompt: "one");
        await Client.SubmitAsync(prompt: "two");

        var urls = SunraCalls.Where(call => call.Method == "POST").Select(CallbackUrls.WebhookOf).ToArray();
        Assert.Equal(2, urls.Length);
        Assert.All(urls, url => Assert.Matches(CallbackUrl(), url));
        Assert.NotEqual(urls[0], urls[1]);
    }

    [Fact]
    public async Task A_callback_whose_token_is_unknown_wrong_or_malformed_is_a_404_and_Sunra_is_not_asked()
    {
        var id = await SubmitAsync();
        var token = CallbackUrls.TokenOf(SunraCalls.Single(call => call.Method == "POST"));
        var ticket = token[..32];
        var before = SunraCalls.Count;

        string[] refused =
        [
            new string('0', 32) + token[32..],
            ticket + "." + new string('A', 43),
            ticket + "." + token[33..^1] + (token[^1] == 'A' ? 'B' : 'A'),
            ticket,
            token + "x",
            token.ToUpperInvariant(),
            "a.b",
        ];
        foreach (var wrong in refused)
        {
            using var answer = await Anonymous.PostAsync($"/sunra/callbacks/{Uri.EscapeDataString(wrong)}", Http.Json(Forged.Replace("{0}", id, StringComparison.Ordinal)), Cancellation);
            await answer.AssertProblemAsync(404, "/problems/callback-unknown");
        }

        Assert.Equal(before, SunraCalls.Count);
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
    }

    [Fact]
    public async Task A_forged_callback_at_the_right_url_while_the_remix_runs_asks_Sunra_once_and_shows_nothing_it_says()
    {
        var id = await SubmitAsync();
        var token = CallbackUrls.TokenOf(SunraCalls.Single(call => call.Method == "POST"));
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
        _clock.Advance(TimeSpan.FromMinutes(90));
        var before = SunraCalls.Count;

        using (var answer = await Anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json(Forged.Replace("{0}", id, StringComparison.Ordinal)), Cancellation))
        {
            Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        }

        var asked = SunraCalls.ToArray()[before..];
        Assert.Single(asked);
        Assert.EndsWith($"/requests/{id}/status", asked[0].PathAndQuery.Split('?')[0], StringComparison.Ordinal);

        Assert.Equal("IN_PROGRESS", await StatusAsync(id));
        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);
        var body = await result.Content.ReadAsStringAsync(Cancellation);
        Assert.NotEqual(HttpStatusCode.OK, result.StatusCode);
        Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
        Assert.DoesNotContain("COMPLETED", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_callback_after_Sunra_completed_shows_the_remix_completed_at_once_with_its_result_already_fetched()
    {
        var id = await SubmitAsync();
        var token = CallbackUrls.TokenOf(SunraCalls.Single(call => call.Method == "POST"));
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
        _clock.Advance(TimeSpan.FromHours(2));
        var before = SunraCalls.Count;

        using (var answer = await Anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json("{}"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        }

        var asked = SunraCalls.ToArray()[before..].Select(call => call.PathAndQuery.Split('?')[0]).ToArray();
        Assert.Equal([$"/requests/{id}/status", $"/requests/{id}"], asked.Select(path => path[path.IndexOf("/requests/", StringComparison.Ordinal)..]));

        // Well within the keep-alive: no poll could have told it.
        Assert.Equal("COMPLETED", await StatusAsync(id));
        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal(before + 2, SunraCalls.Count);

        // Sunra calling back twice changes nothing and costs nothing.
        using var again = await Anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json("{}"), Cancellation);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(before + 2, SunraCalls.Count);

        // The token is a capability: no line the gateway logs shows it, the request's own line included.
        for (var wait = 0; wait < 50 && !Gateway.Logs.Everything.Contains("\"/sunra/callbacks/{secret}\" responded 204", StringComparison.Ordinal); wait++)
        {
            await Task.Delay(20, Cancellation);
        }

        Assert.Contains("\"/sunra/callbacks/{secret}\" responded 204", Gateway.Logs.Everything, StringComparison.Ordinal);

        // The framework's own lines below Warning name the path in their text too; the shipped settings leave them out.
        Assert.Empty(Gateway.Logs.Events
            .Where(e => e.Level >= LogEventLevel.Warning || !IsFrameworks(e))
            .Where(e => e.RenderMessage(CultureInfo.InvariantCulture).Contains(token[33..], StringComparison.Ordinal) || e.Properties.Any(p => p.Value.ToString().Contains(token[33..], StringComparison.Ordinal)))
            .Select(e => e.MessageTemplate.Text));
    }

    [Fact]
    public async Task With_callbacks_on_a_remix_is_polled_no_more_often_than_the_keep_alive()
    {
        var id = await SubmitAsync();
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
        var polls = StatusPolls(id);

        // A status stays fresh for a little under the interval (nine tenths of it, as without callbacks).
        for (var second = 1; second <= 26; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("IN_QUEUE", await StatusAsync(id));
        }

        Assert.Equal(polls, StatusPolls(id));

        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
        Assert.Equal(polls + 1, StatusPolls(id));
    }

    [Fact]
    public async Task A_callback_body_over_16_KiB_is_refused_unread()
    {
        var id = await SubmitAsync();
        var token = CallbackUrls.TokenOf(SunraCalls.Single(call => call.Method == "POST"));
        var before = SunraCalls.Count;

        using var answer = await Anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json(new string(' ', (16 * 1024) + 1)), Cancellation);

        await answer.AssertProblemAsync(413, "/problems/payload-too-large");
        Assert.Equal(before, SunraCalls.Count);
        Assert.Equal("IN_QUEUE", await StatusAsync(id));
    }

    [Fact]
    public async Task The_callback_route_takes_50_callbacks_a_second_holds_100_more_in_line_and_answers_429_beyond()
    {
        // 150 at once: 50 now, 100 in line for the next windows; none refused.
        var burst = await CallBackAsync(150);
        Assert.All(burst, status => Assert.Equal(404, status));

        // Far more than the line holds: the rest refused at once.
        var flood = await CallBackAsync(400);
        Assert.Contains(429, flood);
        Assert.All(flood, status => Assert.True(status is 404 or 429, $"{status}"));
        Assert.InRange(flood.Count(status => status == 404), 100, 350);
    }

    private async Task<int[]> CallBackAsync(int times) =>
        await Task.WhenAll(Enumerable.Range(0, times).Select(async _ =>
        {
            using var answer = await Anonymous.PostAsync("/sunra/callbacks/" + new string('0', 32) + "." + new string('A', 43), Http.Json("{}"), Cancellation);
            return (int)answer.StatusCode;
        }));

    [Fact]
    public async Task The_callback_is_no_path_of_the_document_but_a_callback_of_both_submit_operations()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json", Cancellation));
        var paths = document.RootElement.GetProperty("paths");

        Assert.DoesNotContain(paths.EnumerateObject(), path => path.Name.StartsWith("/sunra/callbacks", StringComparison.Ordinal));
        var submits = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject())
            .Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("operationId", out var name) && name.GetString() is "SubmitRemix" or "SunraSubmit")
            .ToArray();
        Assert.Equal(2, submits.Length);
        Assert.All(submits, operation =>
        {
            var callback = operation.Value.GetProperty("callbacks").GetProperty("sunra-callback");
            var post = callback.EnumerateObject().Single().Value.GetProperty("post");
            Assert.True(post.GetProperty("responses").TryGetProperty("204", out _));
            Assert.True(post.GetProperty("responses").TryGetProperty("404", out _));
        });
    }

    private static bool IsFrameworks(LogEvent e) =>
        e.Properties.GetValueOrDefault("SourceContext")?.ToString().Trim('"') is { } source && (source.StartsWith("Microsoft.", StringComparison.Ordinal) || source.StartsWith("System.", StringComparison.Ordinal));

    private HttpClient Anonymous => field ??= Gateway.CreateClientWithKey(null);

    private int StatusPolls(string id) => Sunra.Calls.All.Count(call => call.Method == "GET" && call.PathAndQuery.Contains($"/requests/{id}/status", StringComparison.Ordinal));

    private async Task<string> SubmitAsync() => (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

    private async Task<string> StatusAsync(string id)
    {
        using var answer = await Client.GetAsync($"/remix/{id}/status", Cancellation);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (await answer.ReadJsonAsync()).GetProperty("status").GetString()!;
    }

    [GeneratedRegex("^" + @"http://127\.0\.0\.1:9/edge" + "/sunra/callbacks/[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}$")]
    private static partial Regex CallbackUrl();
}

/// <summary>Without <c>Sunra:CallbackBaseUrl</c>, Sunra is asked for no callback.</summary>
public sealed class SunraCallbackOffTests : GatewayTest
{
    [Fact]
    public async Task Without_a_callback_base_url_a_submit_carries_no_webhook()
    {
        await Client.SubmitAsync();

        var submit = SunraCalls.Single(call => call.Method == "POST");
        Assert.DoesNotContain("webhook", submit.PathAndQuery, StringComparison.Ordinal);
    }
}
