using System.Net;
using System.Text.Json;
using Gateway.Problems;
using Gateway.State;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Refit;

namespace Gateway.Sunra;

/// <summary>
/// Turns a call to Sunra that went wrong into the problem to answer with: no answer at all (the
/// circuit is open, a timeout, a broken connection), an answer that cannot be read, or a refusal. A
/// failed submit that may have been sold says so, whatever the failure: the caller must not take the
/// problem for a refusal and submit again as if nothing had been bought.
/// </summary>
internal sealed partial class SunraFailures(SunraKeyRedactor redactor, SunraResilience circuit, ILogger<SunraFailures> logger)
{
    private const int MaxRelayedMessageLength = 500;

    private const string OutcomeUnknown =
        "Sunra may still have accepted (and charged for) the remix, so the gateway will not submit it again under the same Idempotency-Key.";

    /// <summary>No answer came. A caller that went away is not a problem to answer, so its cancellation goes on up.</summary>
    public Outcome<T> NoAnswer<T>(SunraQueueCall operation, Exception? failure, CancellationToken cancellationToken)
        where T : class
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reached = Reached(failure);
        return Failure<T>(operation, TransportProblem(operation, failure, reached), reached);
    }

    /// <summary>
    /// A call held back, or throttled, for the account's limits. Nothing was sold: a throttled submit was
    /// refused by Sunra, the others were never sent. A submit the budget cannot fit in time is the
    /// caller's 429 (the account is busy, as a caller's own limit would be); every other kind is a 503
    /// with the wait, as a throttle by Sunra is.
    /// </summary>
    public Outcome<T> AccountRefusal<T>(SunraQueueCall operation, SunraAccountRefusal refusal)
        where T : class
    {
        var retryAfter = TimeSpan.FromSeconds(Math.Clamp(refusal.RetryAfter.TotalSeconds, 1, 3600));
        switch (refusal.Reason)
        {
            case AccountRefusalReason.StoreUnavailable:
                return StateStoreUnavailableHandler.Problem;
            case AccountRefusalReason.BudgetSpent when operation == SunraQueueCall.Submit:
                return ProblemCatalog.AccountBudgetSpent.AsProblem() with { RetryAfter = retryAfter };
            case AccountRefusalReason.BudgetSpent:
                return ProblemCatalog.UpstreamThrottled.With(
                    "The company's Sunra account has spent the calls its rate limits allow just now, so the gateway did not call Sunra. Try again after the Retry-After delay.") with
                {
                    RetryAfter = retryAfter,
                };
            default:
                LogThrottled(operation, refusal.Reason == AccountRefusalReason.Throttled, retryAfter.TotalSeconds);
                return ProblemCatalog.UpstreamThrottled.AsProblem() with { RetryAfter = retryAfter };
        }
    }

    /// <summary>A 2xx the gateway cannot read: for a submit, a remix may have been sold and not recorded.</summary>
    public Outcome<T> Unreadable<T>(SunraQueueCall operation, int status)
        where T : class
    {
        if (operation == SunraQueueCall.Submit)
        {
            LogSubmitUnreadable(status);
            return Failure<T>(
                operation,
                ProblemCatalog.UpstreamError.With("Sunra answered the submit, but not in the shape of its queue protocol. The operators have been told."),
                reachedSunra: true);
        }

        LogUnreadable(operation, status);
        return ProblemCatalog.UpstreamError.AsProblem();
    }

    /// <summary>
    /// An error answer. A 408 or 5xx may come after Sunra queued the remix (its own clients' retries of
    /// these are how videos get bought twice), so such a submit may have been sold.
    /// </summary>
    public Outcome<T> Refused<T>(SunraQueueCall operation, string? requestId, IApiResponse response)
        where T : class
    {
        var status = (int)response.StatusCode!.Value;
        return Failure<T>(operation, Translate(operation, requestId, response), reachedSunra: status is 408 or >= 500);
    }

    private static Outcome<T> Failure<T>(SunraQueueCall operation, Problem problem, bool reachedSunra)
        where T : class =>
        operation == SunraQueueCall.Submit && reachedSunra
            ? new(null, problem with { Detail = $"{problem.Detail} {OutcomeUnknown}" }, MayHaveSucceeded: true)
            : new(null, problem);

    // Whether a call that got no answer may still have been read by Sunra: only a call that was never
    // sent (the circuit was open, no connection could be made) certainly was not.
    private static bool Reached(Exception? failure) => failure switch
    {
        BrokenCircuitException => false,
        HttpRequestException
        {
            HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
        } => false,
        _ => true,
    };

    private Problem TransportProblem(SunraQueueCall operation, Exception? failure, bool reached)
    {
        if (failure is BrokenCircuitException broken)
        {
            LogCircuitOpen(operation);
            return ProblemCatalog.UpstreamUnavailable.AsProblem() with { RetryAfter = broken.RetryAfter ?? circuit.BreakDuration };
        }

        if (failure is OperationCanceledException or TimeoutException or TimeoutRejectedException || failure?.InnerException is TimeoutException)
        {
            LogTimeout(operation);
            return operation == SunraQueueCall.Submit
                ? ProblemCatalog.UpstreamTimeout.With("Sunra did not answer the submit in time.")
                : ProblemCatalog.UpstreamTimeout.AsProblem();
        }

        LogUnreachable(operation, redactor.Redact(failure?.Message ?? "no answer"));
        return operation == SunraQueueCall.Submit && reached
            ? ProblemCatalog.UpstreamUnreachable.With("The connection to Sunra failed before its answer arrived.")
            : ProblemCatalog.UpstreamUnreachable.AsProblem();
    }

    private Problem Translate(SunraQueueCall operation, string? requestId, IApiResponse response)
    {
        var status = (int)response.StatusCode!.Value;
        var message = MessageOf((response.Error as ApiException)?.Content);
        LogRefused(operation, status, message);

        return (response.StatusCode, operation) switch
        {
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) => ProblemCatalog.UpstreamCredentials.AsProblem(),
            (HttpStatusCode.TooManyRequests, _) => ProblemCatalog.UpstreamThrottled.AsProblem() with { RetryAfter = RetryAfterOf(response) },
            (HttpStatusCode.RequestTimeout, _) => ProblemCatalog.UpstreamTimeout.With(message ?? "Sunra timed out."),
            (HttpStatusCode.NotFound, not SunraQueueCall.Submit) => ProblemCatalog.NotFound(requestId!),
            (HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, SunraQueueCall.Submit) =>
                ProblemCatalog.UpstreamRejectedInput.With(message ?? ProblemCatalog.UpstreamRejectedInput.Detail),
            (HttpStatusCode.BadRequest or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity, SunraQueueCall.Cancel) =>
                ProblemCatalog.NotCancellable.With(message ?? "Sunra refused to cancel the remix."),

            // A failing Sunra that says when to come back (a 503 with Retry-After) is heard.
            _ => ProblemCatalog.UpstreamError.With(message is null ? $"Sunra answered {status}." : $"Sunra answered {status}: {message}") with
            {
                RetryAfter = SunraResilience.RequestedWait(response.Headers) is not null ? RetryAfterOf(response) : null,
            },
        };
    }

    /// <summary>Sunra's own words, from whichever of its error shapes it used, without the key.</summary>
    private string? MessageOf(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        string? message;
        try
        {
            var error = JsonSerializer.Deserialize(body, SunraJsonContext.Default.ErrorReply);
            message = error?.Error?.Message
                ?? TextOf(error?.Detail)
                ?? TextOf(error?.Message);
        }
        catch (JsonException)
        {
            message = body;
        }

        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        message = redactor.Redact(message.Trim());
        return message.Length <= MaxRelayedMessageLength ? message : string.Concat(message.AsSpan(0, MaxRelayedMessageLength), "…");
    }

    // "detail" is a string in older answers and a list of {loc, msg} in validation answers.
    private static string? TextOf(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Array } list => string.Join("; ", list.EnumerateArray().Select(item =>
            item.ValueKind == JsonValueKind.Object && item.TryGetProperty("msg", out var msg)
                ? item.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array && loc.GetArrayLength() > 0
                    ? $"{loc[loc.GetArrayLength() - 1]}: {msg}"
                    : msg.ToString()
                : item.ToString())),
        { ValueKind: JsonValueKind.Object } other => other.GetRawText(),
        _ => null,
    };

    // Sunra's wait, kept between a second and an hour whatever it says.
    private static TimeSpan RetryAfterOf(IApiResponse response) =>
        TimeSpan.FromSeconds(Math.Clamp((SunraResilience.RequestedWait(response.Headers) ?? TimeSpan.FromSeconds(1)).TotalSeconds, 1, 3600));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra throttled the account ({Operation}, answered now: {Answered}); calls of its kind wait {PauseSeconds} s")]
    private partial void LogThrottled(SunraQueueCall operation, bool answered, double pauseSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra was not called for {Operation}: the circuit is open")]
    private partial void LogCircuitOpen(SunraQueueCall operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra did not answer {Operation} in time")]
    private partial void LogTimeout(SunraQueueCall operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra could not be reached for {Operation}: {Reason}")]
    private partial void LogUnreachable(SunraQueueCall operation, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sunra answered a submit with {SunraStatus} in an unreadable shape: a remix may have been accepted and not recorded")]
    private partial void LogSubmitUnreadable(int sunraStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra answered {Operation} with {SunraStatus} in an unreadable shape")]
    private partial void LogUnreadable(SunraQueueCall operation, int sunraStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra refused {Operation} with {SunraStatus}: {SunraMessage}")]
    private partial void LogRefused(SunraQueueCall operation, int sunraStatus, string? sunraMessage);
}
