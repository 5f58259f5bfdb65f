using System.Text.Json;

namespace Sunra.Protocol;

/// <summary>
/// The errors answered in Sunra's protocol, each defined once: by the emulator as Sunra, and by the
/// gateway's <c>/v1</c> door to Sunra's clients, but for <see cref="OnlySunraAnswers"/>.
/// </summary>
public static class SunraErrors
{
    /// <summary>The body is not a JSON object, or the input breaks the model's schema: <see cref="DetailsByField"/> names the fields.</summary>
    public static readonly SunraError InvalidRequest = new("INVALID_REQUEST", 400);

    /// <summary>No key, or not a key the server knows.</summary>
    public static readonly SunraError Unauthenticated = new("UNAUTHENTICATED", 401);

    /// <summary>No request has this id (for the caller who asks).</summary>
    public static readonly SunraError RemixNotFound = new("REMIX_NOT_FOUND", 404);

    /// <summary>No model or call at this path.</summary>
    public static readonly SunraError EndpointNotFound = new("ENDPOINT_NOT_FOUND", 404);

    /// <summary>The result of a request still queued or running.</summary>
    public static readonly SunraError RequestNotCompleted = new("REQUEST_NOT_COMPLETED", 400);

    /// <summary>The result of a request that completed without success; the details are the generation's error.</summary>
    public static readonly SunraError PredictionFailed = new("PREDICTION_FAILED", 400);

    /// <summary>The result of a canceled request: there never will be one.</summary>
    public static readonly SunraError RemixCanceled = new("REMIX_CANCELED", 410);

    /// <summary>A cancel of a request that has already completed.</summary>
    public static readonly SunraError NotCancellable = new("NOT_CANCELLABLE", 409);

    /// <summary>Too many calls in the caller's window.</summary>
    public static readonly SunraError RateLimited = new("RATE_LIMITED", 429);

    /// <summary>The caller's allowance of submits is spent.</summary>
    public static readonly SunraError QuotaExhausted = new("QUOTA_EXHAUSTED", 429);

    /// <summary>The body is larger than a submit may be.</summary>
    public static readonly SunraError PayloadTooLarge = new("PAYLOAD_TOO_LARGE", 413);

    /// <summary>The body is not sent as JSON.</summary>
    public static readonly SunraError UnsupportedMediaType = new("UNSUPPORTED_MEDIA_TYPE", 415);

    /// <summary>
    /// Over one of the account's limits (<see cref="SunraAccountLimits"/>): Sunra answers a 403, not a 429,
    /// and tells it from a refused key by the <c>x-ratelimit-*</c> headers it carries.
    /// </summary>
    public static readonly SunraError RateLimitExceeded = new("RATE_LIMIT_EXCEEDED", 403) { Type = SunraErrorTypes.RateLimit };

    public static IReadOnlyList<SunraError> All { get; } =
    [
        InvalidRequest, Unauthenticated, RemixNotFound, EndpointNotFound, RequestNotCompleted, PredictionFailed,
        RemixCanceled, NotCancellable, RateLimited, QuotaExhausted, PayloadTooLarge, UnsupportedMediaType,
        RateLimitExceeded,
    ];

    /// <summary>
    /// The errors only Sunra itself (so the emulator) answers. The gateway's door never does: it meets
    /// them upstream, and what it answers its own callers is its own problem type.
    /// </summary>
    public static IReadOnlyList<SunraError> OnlySunraAnswers { get; } = [RateLimitExceeded];

    /// <summary>
    /// The details of <see cref="InvalidRequest"/>: the messages for each field at fault, by the field's
    /// name on the wire, e.g. <c>{"prompt": ["String should have at most 5000 characters"]}</c>.
    /// </summary>
    public static JsonElement DetailsByField(IReadOnlyDictionary<string, string[]> messages) =>
        JsonSerializer.SerializeToElement(messages, SunraProtocolJsonContext.Default.IReadOnlyDictionaryStringStringArray);
}
