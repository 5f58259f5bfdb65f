using System.Globalization;
using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sunra.Emulator;
using Sunra.Protocol;

namespace Gateway.Tests.Emulator;

/// <summary>
/// Sunra's account limits as the emulator enforces them: per key, over rolling windows of a second and a
/// minute on the emulator's clock (the test's), submits apart from every other call; past one, Sunra's
/// 403 with its rate-limit headers. The limits are scaled down here, as a test sets them.
/// </summary>
public sealed class AccountLimitTests : IAsyncLifetime
{
    private const string Key = "sk_emulator_limits_0123456789";

    private const int SubmitsPerSecond = 4;

    private const int SubmitsPerMinute = 30;

    private const int OtherCallsPerSecond = 6;

    private const int OtherCallsPerMinute = 40;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private EmulatorServer _sunra = null!;

    private HttpClient _client = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _sunra = await EmulatorServer.StartAsync(
            options =>
            {
                options.ApiKey = Key;
                options.Limits.SubmitsPerSecond = SubmitsPerSecond;
                options.Limits.SubmitsPerMinute = SubmitsPerMinute;
                options.Limits.OtherCallsPerSecond = OtherCallsPerSecond;
                options.Limits.OtherCallsPerMinute = OtherCallsPerMinute;
            },
            _clock);
        _client = new HttpClient { BaseAddress = _sunra.Origin }.WithSunraKey(Key);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _sunra.DisposeAsync();
    }

    [Fact]
    public async Task The_31st_submit_in_a_rolling_minute_is_refused_though_a_new_clock_minute_has_begun()
    {
        // 15 submits at the end of 09:00 and 15 at the start of 09:01, 4 a second at most.
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 9, 0, 50, 250, TimeSpan.Zero));
        await SubmitSpreadAsync(15);
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 9, 1, 5, TimeSpan.Zero));
        await SubmitSpreadAsync(15);

        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 9, 1, 9, TimeSpan.Zero));
        using var refused = await SubmitAsync();

        // The first of the 30 leaves the window at 09:01:50.250, 41.25 s later: 42 whole seconds.
        await AssertThrottledAsync(refused, SubmitsPerMinute, resetSeconds: 42);
        Assert.Equal(30, _sunra.Requests.Count);

        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 9, 1, 50, 249, TimeSpan.Zero));
        using var stillRefused = await SubmitAsync();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        using var accepted = await SubmitAsync();

        await AssertThrottledAsync(stillRefused, SubmitsPerMinute, resetSeconds: 1);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(31, _sunra.Requests.Count);
        Assert.Equal(2, _sunra.Limiter.Throttled);
    }

    [Fact]
    public async Task The_fifth_submit_in_a_rolling_second_is_refused_until_the_oldest_leaves_the_second()
    {
        // Submits at 0, 0.25, 0.5 and 0.75 s.
        for (var i = 0; i < SubmitsPerSecond; i++)
        {
            if (i > 0)
            {
                _clock.Advance(TimeSpan.FromMilliseconds(250));
            }

            using var accepted = await SubmitAsync();
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // At 0.9 s the second is full; at 1 s the submit of 0 s has left it, the one of 0.25 s has not.
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        using var refused = await SubmitAsync();
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        using var accepted5th = await SubmitAsync();
        using var refusedAgain = await SubmitAsync();

        await AssertThrottledAsync(refused, SubmitsPerSecond, resetSeconds: 1);
        Assert.Equal(HttpStatusCode.OK, accepted5th.StatusCode);
        await AssertThrottledAsync(refusedAgain, SubmitsPerSecond, resetSeconds: 1);
        Assert.Equal(5, _sunra.Requests.Count);
    }

    [Fact]
    public async Task A_throttle_is_Sunras_403_RATE_LIMIT_EXCEEDED_with_the_limit_nothing_remaining_and_the_reset_in_whole_seconds()
    {
        await SubmitSpreadAsync(SubmitsPerSecond);

        using var refused = await SubmitAsync();

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = await refused.AssertSunraErrorAsync(403, "RATE_LIMIT_EXCEEDED");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal(["4"], refused.Headers.GetValues("x-ratelimit-limit"));
        Assert.Equal(["0"], refused.Headers.GetValues("x-ratelimit-remaining"));
        Assert.Equal(["1"], refused.Headers.GetValues("x-ratelimit-reset"));
        Assert.Equal(1, _sunra.Limiter.Throttled);
    }

    [Fact]
    public async Task Only_a_throttle_carries_the_rate_limit_headers()
    {
        using var accepted = await SubmitAsync();
        using var unknown = await _client.GetAsync("/v1/queue/requests/pd_unknown/status", Cancellation);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await unknown.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        Assert.All(new[] { accepted, unknown }, response => Assert.DoesNotContain(response.Headers, header => header.Key.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Status_stream_result_and_cancel_calls_share_a_window_of_their_own_apart_from_submits()
    {
        await SubmitSpreadAsync(SubmitsPerSecond);
        using var submitRefused = await SubmitAsync();

        // Each of the other calls counts, whatever it answers, on Sunra's paths and on Python's.
        string[] calls = ["/status", "/status/stream", "", "/cancel"];
        foreach (var call in calls)
        {
            using var request = new HttpRequestMessage(call == "/cancel" ? HttpMethod.Put : HttpMethod.Get, $"/v1/queue/requests/pd_unknown{call}");
            using var answer = await _client.SendAsync(request, Cancellation);
            await answer.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        }

        using var python = await _client.GetAsync("/v1/queue//requests/pd_unknown/status", Cancellation);
        using var sixth = await _client.GetAsync("/v1/queue/requests/pd_unknown/status", Cancellation);
        using var seventh = await _client.GetAsync("/v1/queue/requests/pd_unknown/status", Cancellation);

        await AssertThrottledAsync(submitRefused, SubmitsPerSecond, resetSeconds: 1);
        await python.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        await sixth.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        await AssertThrottledAsync(seventh, OtherCallsPerSecond, resetSeconds: 1);

        // The other calls took nothing from the submits' room: the next second holds 4 submits again.
        _clock.Advance(TimeSpan.FromSeconds(1));
        await SubmitSpreadAsync(SubmitsPerSecond);
        Assert.Equal(2 * SubmitsPerSecond, _sunra.Requests.Count);
    }

    [Fact]
    public async Task A_refused_call_is_not_counted_in_the_windows()
    {
        await SubmitSpreadAsync(SubmitsPerSecond);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        for (var i = 0; i < 10; i++)
        {
            using var refused = await SubmitAsync();
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // Had the refusals of 0.5 s counted, the second from 1 s to 1.5 s would be full.
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        await SubmitSpreadAsync(SubmitsPerSecond);

        Assert.Equal(2 * SubmitsPerSecond, _sunra.Requests.Count);
        Assert.Equal(10, _sunra.Limiter.Throttled);
    }

    [Fact]
    public async Task A_call_with_a_wrong_or_missing_key_gets_no_rate_limit_headers_and_is_not_counted()
    {
        using var stranger = new HttpClient { BaseAddress = _sunra.Origin }.WithSunraKey("sk_wrong");
        using var anonymous = new HttpClient { BaseAddress = _sunra.Origin };
        for (var i = 0; i < SubmitsPerSecond + 1; i++)
        {
            foreach (var client in new[] { stranger, anonymous })
            {
                using var refused = await client.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
                await refused.AssertSunraErrorAsync(401, "UNAUTHENTICATED");
                Assert.DoesNotContain(refused.Headers, header => header.Key.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase));
            }
        }

        await SubmitSpreadAsync(SubmitsPerSecond);

        Assert.Equal(SubmitsPerSecond, _sunra.Requests.Count);
        Assert.Equal(0, _sunra.Limiter.Throttled);
    }

    [Fact]
    public async Task Submits_made_all_at_once_are_let_through_exactly_up_to_the_limit()
    {
        var statuses = new HttpStatusCode[50];
        await Parallel.ForAsync(0, statuses.Length, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Cancellation }, async (i, cancellation) =>
        {
            using var response = await _client.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), cancellation);
            statuses[i] = response.StatusCode;
        });

        Assert.Equal(SubmitsPerSecond, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(statuses.Length - SubmitsPerSecond, statuses.Count(status => status == HttpStatusCode.Forbidden));
        Assert.Equal(SubmitsPerSecond, _sunra.Requests.Count);
        Assert.Equal(statuses.Length - SubmitsPerSecond, _sunra.Limiter.Throttled);
    }

    [Fact]
    public async Task Each_key_is_an_account_with_windows_of_its_own()
    {
        await using var anyKey = await EmulatorServer.StartAsync(options => options.Limits.SubmitsPerSecond = 2, _clock);
        using var first = new HttpClient { BaseAddress = anyKey.Origin }.WithSunraKey("sk_first");
        using var second = new HttpClient { BaseAddress = anyKey.Origin }.WithSunraKey("sk_second");

        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { first, first, first, second, second, second })
        {
            using var response = await client.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden], statuses);
        Assert.Equal(2, anyKey.Limiter.Throttled);
    }

    [Fact]
    public async Task The_test_emulator_enforces_no_limits_unless_its_test_sets_them()
    {
        await using var unlimited = await EmulatorServer.StartAsync(options => options.ApiKey = Key, _clock);
        using var client = new HttpClient { BaseAddress = unlimited.Origin }.WithSunraKey(Key);
        for (var i = 0; i < 2 * SunraAccountLimits.SubmitsPerSecond; i++)
        {
            using var response = await client.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await using var sunras = await EmulatorServer.StartAsync(options => options.Limits.Enforce = true, _clock);
        using var sunrasClient = new HttpClient { BaseAddress = sunras.Origin }.WithSunraKey(Key);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i <= SunraAccountLimits.SubmitsPerSecond; i++)
        {
            using var response = await sunrasClient.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);
            answers.Add(response.StatusCode);
        }

        Assert.False(unlimited.Limiter.IsEnforcing);
        Assert.Equal(0, unlimited.Limiter.Throttled);
        Assert.True(sunras.Limiter.IsEnforcing);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 10), HttpStatusCode.Forbidden], answers);
    }

    [Fact]
    public void The_emulator_alone_and_the_gateways_sandbox_enforce_Sunras_limits_unless_set_off()
    {
        // What EmulatorHost and the sandbox both do: AddSunraEmulator, with the configuration's Emulator section.
        var alone = Limits([]);
        var off = Limits(new() { ["Emulator:Limits:Enforce"] = "false" });
        var scaled = Limits(new() { ["Emulator:Limits:SubmitsPerSecond"] = "2", ["Emulator:Limits:OtherCallsPerMinute"] = "60" });

        Assert.True(alone.Enforce);
        Assert.Equal((10, 100, 100, 1_800), (alone.SubmitsPerSecond, alone.SubmitsPerMinute, alone.OtherCallsPerSecond, alone.OtherCallsPerMinute));
        Assert.False(off.Enforce);
        Assert.True(scaled.Enforce);
        Assert.Equal((2, 100, 100, 60), (scaled.SubmitsPerSecond, scaled.SubmitsPerMinute, scaled.OtherCallsPerSecond, scaled.OtherCallsPerMinute));
    }

    [Fact]
    public void A_limit_that_lets_no_call_through_stops_the_start_naming_the_setting()
    {
        var invalid = Assert.Throws<OptionsValidationException>(() => Limits(new() { ["Emulator:Limits:SubmitsPerMinute"] = "0" }));

        Assert.Contains("Emulator:Limits", invalid.Message, StringComparison.Ordinal);
    }

    private static EmulatorLimits Limits(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSunraEmulator();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<EmulatorOptions>>().Value.Limits;
    }

    private Task<HttpResponseMessage> SubmitAsync() =>
        _client.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("video_1", "at dusk")), Cancellation);

    // Submits this many, each accepted, at most as many a second as the limit allows, a second apart.
    private async Task SubmitSpreadAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (i > 0 && i % SubmitsPerSecond == 0)
            {
                _clock.Advance(TimeSpan.FromSeconds(1));
            }

            using var accepted = await SubmitAsync();
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }
    }

    private static async Task AssertThrottledAsync(HttpResponseMessage response, int limit, int resetSeconds)
    {
        await response.AssertSunraErrorAsync(403, "RATE_LIMIT_EXCEEDED");
        Assert.Equal([limit.ToString(CultureInfo.InvariantCulture)], response.Headers.GetValues("x-ratelimit-limit"));
        Assert.Equal(["0"], response.Headers.GetValues("x-ratelimit-remaining"));
        Assert.Equal([resetSeconds.ToString(CultureInfo.InvariantCulture)], response.Headers.GetValues("x-ratelimit-reset"));
    }
}
