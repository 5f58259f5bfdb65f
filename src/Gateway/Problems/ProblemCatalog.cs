using static Microsoft.AspNetCore.Http.StatusCodes;

namespace Gateway.Problems;

/// <summary>
/// Every problem type the gateway answers with, defined once: type URI, status, title and the detail
/// it says unless an occurrence says more. The README's table of problem types lists the same; the
/// OpenAPI examples are made from <see cref="All"/>, and a test triggers each one and compares.
/// </summary>
public static class ProblemCatalog
{
    public static readonly ProblemType InvalidRequest = new(
        "/problems/invalid-request", Status400BadRequest, "The request is invalid",
        "The body, a field, a header or the request_id is invalid: errors says which and why.");

    public static readonly ProblemType UnsupportedMediaType = new(
        "/problems/unsupported-media-type", Status415UnsupportedMediaType, "Unsupported Media Type",
        "Send the body as UTF-8 JSON, with Content-Type: application/json.");

    public static readonly ProblemType PayloadTooLarge = new(
        "/problems/payload-too-large", Status413PayloadTooLarge, "The body is too large",
        $"A remix request is at most {MaxRequestBodyBytes / 1024} KiB.");

    public static readonly ProblemType Unauthenticated = new(
        "/problems/unauthenticated", Status401Unauthorized, "A caller key is needed",
        "Send your service's key as 'X-Api-Key: <key>', 'Authorization: Bearer <key>' or 'Authorization: Key <key>'.");

    public static readonly ProblemType RemixNotFound = new(
        "/problems/remix-not-found", Status404NotFound, "No such remix",
        "There is no remix with this request_id.");

    public static readonly ProblemType RateLimited = new(
        "/problems/rate-limited", Status429TooManyRequests, "Too many requests",
        "This caller is over its rate limit. Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    public static readonly ProblemType QuotaExhausted = new(
        "/problems/quota-exhausted", Status429TooManyRequests, "Daily submit quota spent",
        "This caller has submitted as many remixes as its daily quota allows (the day starts at 00:00 UTC). Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    public static readonly ProblemType AccountBudgetSpent = new(
        "/problems/account-budget-spent", Status429TooManyRequests, "The account's submits are spent for now",
        "The company's Sunra account has submitted as many remixes as Sunra allows in this second or minute, for all callers together. Nothing was submitted. Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    public static readonly ProblemType RemixCanceled = new(
        "/problems/remix-canceled", Status410Gone, "The remix was canceled",
        "The remix was canceled; it has no video.");

    public static readonly ProblemType NotCancellable = new(
        "/problems/not-cancellable", Status409Conflict, "The remix cannot be canceled",
        "Sunra refused to cancel the remix: it has already completed.");

    public static readonly ProblemType RemixRunning = new(
        "/problems/remix-running", Status409Conflict, "The remix is still running",
        "A remix is deleted only once it has ended: cancel it first (POST its cancel_url), then delete it when its status is CANCELED or COMPLETED.");

    public static readonly ProblemType GenerationFailed = new(
        "/problems/generation-failed", Status422UnprocessableEntity, "The generation failed",
        "Sunra completed the remix without a video.");

    public static readonly ProblemType UpstreamRejectedInput = new(
        "/problems/upstream-rejected-input", Status422UnprocessableEntity, "Sunra refused the remix",
        "Sunra refused the input without saying why.");

    public static readonly ProblemType UpstreamCredentials = new(
        "/problems/upstream-credentials", Status502BadGateway, "Sunra refused the gateway's credentials",
        "The gateway's own Sunra credentials were refused. Your request is fine; the operators must fix the gateway's configuration.");

    public static readonly ProblemType UpstreamError = new(
        "/problems/upstream-error", Status502BadGateway, "Sunra failed",
        "Sunra answered, but not in the shape of its queue protocol.");

    public static readonly ProblemType UpstreamUnreachable = new(
        "/problems/upstream-unreachable", Status502BadGateway, "Sunra could not be reached",
        "The gateway could not complete the call to Sunra. Try again.");

    public static readonly ProblemType UpstreamThrottled = new(
        "/problems/upstream-throttled", Status503ServiceUnavailable, "Sunra is throttling the gateway",
        "Sunra asked the gateway to slow down. Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    public static readonly ProblemType UpstreamUnavailable = new(
        "/problems/upstream-unavailable", Status503ServiceUnavailable, "Sunra is failing",
        "Sunra failed too often just now, so the gateway stopped calling it for a short while. Nothing was sent to Sunra. Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    public static readonly ProblemType UpstreamTimeout = new(
        "/problems/upstream-timeout", Status504GatewayTimeout, "Sunra did not answer in time",
        "Sunra did not answer in time. Try again.");

    public static readonly ProblemType StateUnavailable = new(
        "/problems/state-unavailable", Status503ServiceUnavailable, "The gateway's records cannot be reached",
        "The gateway cannot reach the store of its records, so it did nothing: no remix was submitted, read or changed. Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    public static readonly ProblemType IdempotencyKeyReused = new(
        "/problems/idempotency-key-reused", Status422UnprocessableEntity, "The Idempotency-Key was used for another remix",
        "This caller already sent a different video_id or prompt with this Idempotency-Key. Use a new key for a new remix.");

    public static readonly ProblemType IdempotencyKeyInUse = new(
        "/problems/idempotency-key-in-use", Status409Conflict, "Another request holds this Idempotency-Key",
        "Another request with this Idempotency-Key took it over while this one waited. Nothing was submitted by this request; send it again to get that request's answer.");

    public static readonly ProblemType IdempotencyOutcomeUnknown = new(
        "/problems/idempotency-outcome-unknown", Status409Conflict, "The outcome of the first request with this key is unknown",
        "The first request with this Idempotency-Key reached Sunra, but its answer was lost, so Sunra may or may not have accepted (and charged for) the remix. " +
        "The gateway will not submit it again under this key. Submitting with a new key may buy a second remix.");

    public static readonly ProblemType EndpointNotFound = new(
        "/problems/endpoint-not-found", Status404NotFound, "No such endpoint",
        "The gateway fronts only one of Sunra's endpoints.");

    public static readonly ProblemType RequestNotCompleted = new(
        "/problems/request-not-completed", Status400BadRequest, "The request has not completed",
        "The request has not completed yet: follow its status_url until it is COMPLETED.");

    public static readonly ProblemType PredictionFailed = new(
        "/problems/prediction-failed", Status400BadRequest, "The generation failed",
        "The request completed without a video.");

    public static readonly ProblemType ProxyTargetRefused = new(
        "/problems/proxy-target-refused", Status400BadRequest, "The proxy target is refused",
        "The target must be one of Sunra's queue URLs, starting with https://api.sunra.ai/v1/queue/.");

    public static readonly ProblemType CallbackUnknown = new(
        "/problems/callback-unknown", Status404NotFound, "No such callback",
        "This is not the callback URL of any remix. Nothing was done.");

    public static readonly ProblemType VideoLinkInvalid = new(
        "/problems/video-link-invalid", Status403Forbidden, "The video link is not valid",
        "This link was not made by the gateway for this video: it was changed, or it is another remix's. Read the remix's result for its link.");

    public static readonly ProblemType VideoLinkExpired = new(
        "/problems/video-link-expired", Status410Gone, "The video link has expired",
        "This link to a kept video has expired. Read the remix's result again for a fresh link.");

    public static readonly ProblemType VideoNotKept = new(
        "/problems/video-not-kept", Status404NotFound, "No kept video",
        "The gateway keeps no video for this remix: it was deleted, or its retention ended.");

    public static readonly ProblemType StorageUnavailable = new(
        "/problems/storage-unavailable", Status503ServiceUnavailable, "The gateway's video storage cannot be reached",
        "The gateway cannot reach the storage of its kept videos, so it did nothing. Try again after the Retry-After delay.")
    {
        WithRetryAfter = true,
    };

    /// <summary>
    /// The largest valid remix is a 5000-code-point prompt written entirely as <c>\uXXXX\uXXXX</c>
    /// escapes (about 60 KB) with a long video_id; twice that is plenty, megabytes are refused (413).
    /// </summary>
    public const long MaxRequestBodyBytes = 128 * 1024;

    /// <summary>An answer of this type as an example shows it: the type's own detail, with what comes with it.</summary>
    public static Problem ExampleOf(ProblemType type) => type switch
    {
        _ when type == InvalidRequest => Problem.Invalid("video_id", "video_id must not be empty."),
        _ when type == GenerationFailed || type == PredictionFailed => Failed(type, new GenerationFailure("content_policy_violation", "The prompt was flagged by the content policy.")),
        { WithRetryAfter: true } => type.AsProblem() with { RetryAfter = TimeSpan.FromSeconds(30) },
        _ => type.AsProblem(),
    };

    /// <summary>Every type above, in the README's order.</summary>
    public static IReadOnlyList<ProblemType> All { get; } =
    [
        InvalidRequest, UnsupportedMediaType, Unauthenticated, RemixNotFound, PayloadTooLarge, RateLimited, QuotaExhausted,
        AccountBudgetSpent, RemixCanceled, NotCancellable, RemixRunning, GenerationFailed, UpstreamRejectedInput, UpstreamCredentials, UpstreamError,
        UpstreamUnreachable, UpstreamThrottled, UpstreamTimeout, UpstreamUnavailable, StateUnavailable,
        IdempotencyKeyReused, IdempotencyOutcomeUnknown, IdempotencyKeyInUse,
        EndpointNotFound, RequestNotCompleted, PredictionFailed, ProxyTargetRefused, CallbackUnknown,
        VideoLinkInvalid, VideoLinkExpired, VideoNotKept, StorageUnavailable,
    ];

    // The problems whose detail names the occurrence, written once here so that every part of the
    // gateway that finds them says the same.

    /// <summary>Unknown to the gateway, unknown to Sunra, or another caller's: all look alike.</summary>
    public static Problem NotFound(string requestId) => RemixNotFound.With($"There is no remix with request_id '{requestId}'.");

    public static Problem StillRunning(string requestId, string status) =>
        RemixRunning.With($"Remix '{requestId}' is {status}: cancel it first (POST /remix/{requestId}/cancel), then delete it when its status is CANCELED or COMPLETED.");

    public static Problem Canceled(string requestId) => RemixCanceled.With($"Remix '{requestId}' was canceled; it has no video.");

    public static Problem NotCompleted(string requestId) =>
        RequestNotCompleted.With($"Request '{requestId}' has not completed yet: follow its status_url until it is COMPLETED.");

    public static Problem UnknownEndpoint(string fronted, string endpointId) =>
        EndpointNotFound.With($"The gateway fronts only the endpoint {fronted}, not '{endpointId}'.");

    /// <summary>The answer to a result of a failed generation; <paramref name="type"/> is the door's word for it.</summary>
    public static Problem Failed(ProblemType type, GenerationFailure? failure) =>
        type.With(failure?.Message ?? type.Detail) with { Generation = failure ?? new GenerationFailure("unknown_error_code", type.Detail) };
}
