using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sunra.Emulator;

namespace Gateway.Tests.Emulator;

/// <summary>
/// Sunra's webhook callback as the emulator makes it: when a request whose submit named a webhook ends,
/// a POST of its outcome, soon after the end on the emulator's clock (the test's), unsigned, retried a
/// few times, and never at the cost of the emulator. The receiver is a real server on a loopback port.
/// </summary>
public sealed class EmulatorWebhookTests : IAsyncLifetime
{
    private const string Key = "sk_emulator_webhooks_0123456789";

    private static readonly TimeSpan QueueTime = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private EmulatorServer _sunra = null!;

    private WebhookReceiver _receiver = null!;

    private HttpClient _client = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _sunra = await EmulatorServer.StartAsync(
            options =>
            {
                options.ApiKey = Key;
                options.QueueTime = QueueTime;
                options.RunTime = RunTime;
            },
            _clock);
        _receiver = await WebhookReceiver.StartAsync();
        _client = new HttpClient { BaseAddress = _sunra.Origin }.WithSunraKey(Key);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _receiver.DisposeAsync();
        await _sunra.DisposeAsync();
    }

    [Fact]
    public async Task A_completed_request_POSTs_OK_with_its_result_as_payload_once_it_ends_and_not_before()
    {
        var id = await SubmitAsync($"?webhook={_receiver.Address}hooks/done");

        _clock.Advance(QueueTime + RunTime - TimeSpan.FromMilliseconds(1));
        await Task.Delay(300, Cancellation);
        Assert.Empty(_receiver.Received);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await _receiver.WaitForAsync(1, Within, Cancellation);

        var received = Assert.Single(_receiver.Received);
        Assert.Equal("/hooks/done", received.PathAndQuery);
        Assert.Equal("application/json", received.Headers["Content-Type"]);
        Assert.DoesNotContain(received.Headers.Keys, name => name.Contains("signature", StringComparison.OrdinalIgnoreCase));
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(["status", "request_id", "payload"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("OK", body.GetProperty("status").GetString());
        Assert.Equal(id, body.GetProperty("request_id").GetString());
        using var result = await _client.GetAsync($"/v1/queue/requests/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(await result.Content.ReadAsStringAsync(Cancellation)), JsonNode.Parse(body.GetProperty("payload").GetRawText())),
            $"payload: {body.GetProperty("payload")}");

        var sent = await WaitForCallbacksAsync(1);
        Assert.Equal(WebhookOutcome.Delivered, sent[0].Outcome);
        Assert.Equal((id, 1, (int?)200), (sent[0].RequestId, sent[0].Attempts, sent[0].LastStatus));
        Assert.Equal(received.Body, sent[0].Body);
    }

    [Fact]
    public async Task With_the_system_clock_the_callback_comes_as_the_request_completes()
    {
        await using var sunra = await EmulatorServer.StartAsync(options =>
        {
            options.QueueTime = TimeSpan.Zero;
            options.RunTime = TimeSpan.FromMilliseconds(300);
        });
        using var client = new HttpClient { BaseAddress = sunra.Origin }.WithSunraKey(Key);
        var sinceBeforeTheSubmit = Stopwatch.StartNew();
        using var submit = await client.PostAsync($"{SunraWire.SubmitPath}?webhook={_receiver.Address}done", Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);

        await _receiver.WaitForAsync(1, Within, Cancellation);

        // The request completes 300 ms after the submit; its callback follows, not before, and without
        // waiting for anyone to ask (the bound is loose for a loaded machine).
        Assert.InRange(sinceBeforeTheSubmit.Elapsed, TimeSpan.FromMilliseconds(280), TimeSpan.FromSeconds(3));
        Assert.Equal("OK", JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_failed_generation_POSTs_ERROR_with_the_generations_error_and_no_payload()
    {
        _sunra.Requests.FailNextGeneration("content_policy_violation", "The prompt was refused.");
        var id = await SubmitAsync($"?webhook={_receiver.Address}done");

        _clock.Advance(QueueTime + RunTime);
        await _receiver.WaitForAsync(1, Within, Cancellation);

        var body = JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement;
        Assert.Equal("ERROR", body.GetProperty("status").GetString());
        Assert.Equal(id, body.GetProperty("request_id").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("payload").ValueKind);
        var error = body.GetProperty("error");
        Assert.Equal("content_policy_violation", error.GetProperty("code").GetString());
        Assert.Equal("The prompt was refused.", error.GetProperty("message").GetString());
        Assert.True(error.GetProperty("timestamp").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task A_canceled_request_POSTs_ERROR_saying_so_at_the_cancel_and_nothing_when_its_time_would_have_come()
    {
        var id = await SubmitAsync($"?webhook={_receiver.Address}done");
        _clock.Advance(QueueTime);

        using var cancel = await _client.PutAsync($"/v1/queue/requests/{id}/cancel", null, Cancellation);
        await WaitForCallbacksAsync(1);
        _clock.Advance(RunTime);
        await Task.Delay(300, Cancellation);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var body = JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement;
        Assert.Equal("ERROR", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("payload").ValueKind);
        var error = body.GetProperty("error");
        Assert.Equal("REMIX_CANCELED", error.GetProperty("code").GetString());
        Assert.Contains("canceled", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(_clock.GetUtcNow() - RunTime, error.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Single(_sunra.Webhooks.All);
    }

    public static TheoryData<string> WebhookQueries => new()
    {
        // The JavaScript client: appended as it is, its own query running to the end.
        "?webhook={receiver}hooks/done?token=t1&id=7",

        // The Python client: encoded, after logs.
        "?logs=1&webhook={encoded}",

        // The Java client: encoded, as sunra_webhook.
        "?sunra_webhook={encoded}",
    };

    [Theory]
    [MemberData(nameof(WebhookQueries))]
    public async Task A_webhook_URL_with_a_query_of_its_own_is_called_whole_however_the_client_wrote_it(string query)
    {
        var url = $"{_receiver.Address}hooks/done?token=t1&id=7";
        var id = await SubmitAsync(query.Replace("{receiver}", _receiver.Address.ToString(), StringComparison.Ordinal).Replace("{encoded}", Uri.EscapeDataString(url), StringComparison.Ordinal));

        _clock.Advance(QueueTime + RunTime);
        await _receiver.WaitForAsync(1, Within, Cancellation);

        Assert.Equal(new Uri(url), _sunra.Requests.Find(id)!.Webhook);
        Assert.Equal("/hooks/done?token=t1&id=7", Assert.Single(_receiver.Received).PathAndQuery);
    }

    [Theory]
    [InlineData("?webhook=ftp%3A%2F%2Fhooks.example%2Fdone")]
    [InlineData("?webhook=%2Fhooks%2Fdone")]
    [InlineData("?sunra_webhook=not%20a%20url")]
    public async Task A_webhook_that_is_not_an_http_URL_is_a_400_INVALID_REQUEST_and_nothing_is_bought(string query)
    {
        using var response = await _client.PostAsync(SunraWire.SubmitPath + query, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.True(error.GetProperty("details").TryGetProperty("webhook", out _), $"details: {error.GetProperty("details")}");
        Assert.Equal(0, _sunra.Requests.Count);
    }

    [Fact]
    public async Task A_submit_without_a_webhook_calls_back_nowhere()
    {
        await SubmitAsync("");

        _clock.Advance(QueueTime + RunTime);
        await Task.Delay(300, Cancellation);

        Assert.Empty(_sunra.Webhooks.All);
        Assert.Empty(_receiver.Received);
    }

    [Fact]
    public async Task A_dropped_callback_is_never_sent_and_the_next_one_is()
    {
        _sunra.Script.DropWebhooks(1);
        var lost = await SubmitAsync($"?webhook={_receiver.Address}done");
        _clock.Advance(TimeSpan.FromSeconds(1));
        var delivered = await SubmitAsync($"?webhook={_receiver.Address}done");

        _clock.Advance(QueueTime + RunTime - TimeSpan.FromSeconds(1));
        await WaitForCallbacksAsync(1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _receiver.WaitForAsync(1, Within, Cancellation);

        var sent = await WaitForCallbacksAsync(2);
        Assert.Equal([(lost, WebhookOutcome.Dropped, 0), (delivered, WebhookOutcome.Delivered, 1)], sent.Select(c => (c.RequestId, c.Outcome, c.Attempts)));
        Assert.Equal("OK", JsonDocument.Parse(sent[0].Body).RootElement.GetProperty("status").GetString());
        Assert.Equal(delivered, JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task A_callback_refused_with_a_5xx_is_tried_again()
    {
        _receiver.Answers.Enqueue(503);
        await SubmitAsync($"?webhook={_receiver.Address}done");

        _clock.Advance(QueueTime + RunTime);
        var sent = await WaitForCallbacksAsync(1);

        Assert.Equal((WebhookOutcome.Delivered, 2, (int?)200), (sent[0].Outcome, sent[0].Attempts, sent[0].LastStatus));
        Assert.Equal([503, 200], _receiver.Received.Select(r => r.AnsweredWith));
    }

    [Fact]
    public async Task A_receiver_that_always_refuses_is_given_up_on_after_three_attempts()
    {
        for (var i = 0; i < 5; i++)
        {
            _receiver.Answers.Enqueue(500);
        }

        await SubmitAsync($"?webhook={_receiver.Address}done");

        _clock.Advance(QueueTime + RunTime);
        var sent = await WaitForCallbacksAsync(1);

        Assert.Equal((WebhookOutcome.Failed, 3, (int?)500), (sent[0].Outcome, sent[0].Attempts, sent[0].LastStatus));
        Assert.Equal(3, _receiver.Received.Count);
    }

    [Fact]
    public async Task A_receiver_that_is_down_does_not_break_the_emulator()
    {
        var down = await WebhookReceiver.StartAsync();
        var address = down.Address;
        await down.DisposeAsync();
        var id = await SubmitAsync($"?webhook={address}done");

        _clock.Advance(QueueTime + RunTime);
        using var status = await _client.GetAsync($"/v1/queue/requests/{id}/status", Cancellation);
        var sent = await WaitForCallbacksAsync(1);
        var next = await SubmitAsync($"?webhook={_receiver.Address}done");
        _clock.Advance(QueueTime + RunTime);
        await _receiver.WaitForAsync(1, Within, Cancellation);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal((WebhookOutcome.Failed, 3, (int?)null), (sent[0].Outcome, sent[0].Attempts, sent[0].LastStatus));
        Assert.Equal(next, JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task The_logs_name_the_webhooks_host_and_never_its_path_or_query()
    {
        // The emulator as the sandbox hosts it, with a logger to read.
        var lines = new LogLines();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(lines).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.Services.AddSunraEmulator(options =>
        {
            options.QueueTime = QueueTime;
            options.RunTime = RunTime;
        });
        await using var app = builder.Build();
        app.MapSunraEmulator();
        await app.StartAsync(Cancellation);
        var origin = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(origin) }.WithSunraKey(Key);
        _receiver.Answers.Enqueue(500);

        using var submit = await client.PostAsync($"{SunraWire.SubmitPath}?webhook={_receiver.Address}hooks/secret-path?token=secret-token", Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        _clock.Advance(QueueTime + RunTime);
        await _receiver.WaitForAsync(2, Within, Cancellation);
        var deadline = DateTime.UtcNow + Within;
        while (!lines.Everything.Contains("delivered", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Cancellation);
        }

        Assert.Contains(_receiver.Address.Host, lines.Everything, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", lines.Everything, StringComparison.Ordinal);
        Assert.Contains("delivered", lines.Everything, StringComparison.Ordinal);
    }

    private async Task<string> SubmitAsync(string query)
    {
        using var response = await _client.PostAsync(SunraWire.SubmitPath + query, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("request_id").GetString()!;
    }

    /// <summary>Waits until the emulator has this many callbacks with their outcome, and returns them.</summary>
    private async Task<IReadOnlyList<WebhookCallback>> WaitForCallbacksAsync(int count)
    {
        var deadline = DateTime.UtcNow + Within;
        while (_sunra.Webhooks.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{_sunra.Webhooks.Count} of {count} webhook callbacks had their outcome within {Within}.");
            await Task.Delay(20, Cancellation);
        }

        return _sunra.Webhooks.All;
    }

    /// <summary>
    /// Every line the emulator logs, its message and its properties, as text. The host's own lines (the
    /// request lines of ASP.NET Core) are the hosting application's to keep or filter, not the emulator's.
    /// </summary>
    private sealed class LogLines : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Everything => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Sunra.Emulator", StringComparison.Ordinal) ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            _lines.Enqueue($"{logLevel} {formatter(state, exception)} {properties} {exception}");
        }

        public void Dispose()
        {
        }
    }
}
