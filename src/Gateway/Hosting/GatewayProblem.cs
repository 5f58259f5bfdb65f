using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Hosting;

/// <summary>The problem types the gateway answers with (RFC 9457 <c>type</c>), documented in the README.</summary>
public static class ProblemTypes
{
    public const string InvalidRequest = "/problems/invalid-request";
    public const string UnsupportedMediaType = "/problems/unsupported-media-type";
    public const string PayloadTooLarge = "/problems/payload-too-large";
    public const string RemixNotFound = "/problems/remix-not-found";
    public const string Unauthenticated = "/problems/unauthenticated";
    public const string RateLimited = "/problems/rate-limited";
    public const string QuotaExhausted = "/problems/quota-exhausted";
    public const string UpstreamRejectedInput = "/problems/upstream-rejected-input";
    public const string UpstreamCredentials = "/problems/upstream-credentials";
    public const string UpstreamThrottled = "/problems/upstream-throttled";
    public const string UpstreamError = "/problems/upstream-error";
    public const string UpstreamUnreachable = "/problems/upstream-unreachable";
    public const string UpstreamTimeout = "/problems/upstream-timeout";
    public const string GenerationFailed = "/problems/generation-failed";
    public const string RemixCanceled = "/problems/remix-canceled";
    public const string NotCancellable = "/problems/not-cancellable";
    public const string UpstreamUnavailable = "/problems/upstream-unavailable";
    public const string StateUnavailable = "/problems/state-unavailable";
    public const string IdempotencyKeyReused = "/problems/idempotency-key-reused";
    public const string IdempotencyKeyInUse = "/problems/idempotency-key-in-use";
    public const string IdempotencyOutcomeUnknown = "/problems/idempotency-outcome-unknown";
}

/// <summary>A problem answer decided away from the handler, with the <c>Retry-After</c> it may carry.</summary>
public sealed record GatewayProblem(int Status, string Type, string Title, string Detail)
{
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A 400 for one input outside the body (a header, a field checked against settings), in the shape of a validation problem: <c>errors</c> names it.</summary>
    public static GatewayProblem Invalid(string field, string title, string detail, string? error = null) =>
        new(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, title, detail)
        {
            Extensions = new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [error ?? detail] } },
        };

    public IDictionary<string, object?>? Extensions { get; init; }

    public ProblemHttpResult ToResult(HttpContext http)
    {
        if (RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = RetryAfterSeconds(wait);
        }

        return TypedResults.Problem(Detail, statusCode: Status, title: Title, type: Type, extensions: Extensions);
    }

    /// <summary>Writes the answer from middleware, where there is no handler to return it.</summary>
    public Task WriteAsync(HttpContext http) => ToResult(http).ExecuteAsync(http);

    internal static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
