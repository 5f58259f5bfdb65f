using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Gateway.Sunra;

/// <summary>
/// How the Sunra client survives a failing Sunra (Microsoft.Extensions.Http.Resilience):
/// <list type="bullet">
/// <item>reads and cancels are retried twice, with jittered exponential backoff, on 408, 429, 5xx and
/// failed connections: three tries, as Sunra's own clients make. A Retry-After of Sunra's is honoured;
/// one longer than two seconds is passed on to the caller instead of waited out;</item>
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
                ShouldRetryAfterHeader = true,
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

    private static bool IsRetryable(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (context.GetRequestMessage()?.Method == HttpMethod.Post)
        {
            return false;
        }

        return outcome switch
        {
            { Exception: HttpRequestException } => true,
            { Result: { } response } when WaitOf(response) > LongestRetryWait => false,
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

    private static TimeSpan WaitOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => TimeSpan.Zero,
    };
}
