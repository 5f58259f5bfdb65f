using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;
using Polly.Timeout;
using Sunra.Protocol;

namespace Gateway.Sunra;

/// <summary>
/// How the Sunra client survives a failing Sunra (Microsoft.Extensions.Http.Resilience):
/// <list type="bullet">
/// <item>reads and cancels are retried twice, with jittered exponential backoff, on 408, 429, 5xx and
/// failed connections: three tries, as Sunra's own clients make. The wait Sunra asks for
/// (Retry-After or x-ratelimit-reset) is honoured; one longer than two seconds is passed on to the
/// caller instead of waited out;</item>
/// <item>a submit (the only POST) is never retried: each accepted submit is a paid remix;</item>
/// <item>each attempt may take <c>Sunra:TimeoutSeconds</c>; a timed-out attempt is not retried, so a
/// hung Sunra costs the caller about that long before its 504;</item>
/// <item>a circuit breaker stops calling a Sunra that fails half of at least 10 calls within 30 seconds,
/// for <c>Sunra:CircuitBreakSeconds</c>: callers get a prompt 503 with Retry-After meanwhile.</item>
/// </list>
/// </summary>
internal sealed class SunraResilience(IOptions<SunraOptions> options)
{
    /// <summary>The longest Retry-After of Sunra's that the gateway waits out itself.</summary>
    private static readonly TimeSpan LongestRetryWait = TimeSpan.FromSeconds(2);

    public TimeSpan BreakDuration { get; } = TimeSpan.FromSeconds(options.Value.CircuitBreakSeconds);

    public void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline)
    {
        pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response && RequestedWait(response.Headers) is { } wait && wait > TimeSpan.Zero ? wait : (TimeSpan?)null),
                ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Context, args.Outcome)),
            })
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
            })
            .AddTimeout(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
    }

    /// <summary>An attempt that went well is not news: Debug; every other resilience event keeps its severity.</summary>
    internal static ResilienceEventSeverity Severity(SeverityProviderArguments args) =>
        args.Event is { EventName: "ExecutionAttempt", Severity: ResilienceEventSeverity.Information } ? ResilienceEventSeverity.Debug : args.Event.Severity;

    private static bool IsRetryable(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        // A call whose method cannot be told is treated as a submit: never retried.
        if (context.GetRequestMessage()?.Method is not { } method || method == HttpMethod.Post)
        {
            return false;
        }

        return outcome switch
        {
            { Exception: HttpRequestException } => true,
            { Result: { } response } when RequestedWait(response.Headers) > LongestRetryWait => false,
            { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
            _ => false,
        };
    }

    // Throttling is Sunra protecting itself, not failing: it does not open the circuit.
    private static bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => response.StatusCode == HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500,
        _ => false,
    };

    /// <summary>
    /// The wait Sunra asks for: <c>Retry-After</c> (seconds or a date), else <c>x-ratelimit-reset</c>
    /// (seconds until the window resets, or an epoch time in seconds); null when it names none.
    /// </summary>
    internal static TimeSpan? RequestedWait(HttpResponseHeaders? headers)
    {
        if (headers?.RetryAfter is { } retryAfter)
        {
            return retryAfter.Delta ?? retryAfter.Date - DateTimeOffset.UtcNow;
        }

        if (headers is not null && headers.TryGetValues(SunraAccountLimits.ResetHeader, out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var reset))
        {
            return TimeSpan.FromSeconds(reset > 1_000_000_000 ? reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds() : reset);
        }

        return null;
    }
}
