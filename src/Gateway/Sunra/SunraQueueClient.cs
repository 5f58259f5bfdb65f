using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Hosting;
using Gateway.Remix;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Refit;

namespace Gateway.Sunra;

/// <summary>
/// What an upstream call gave: the translated value, or the problem to answer with.
/// <see cref="MayHaveSucceeded"/>: a failed submit that reached Sunra without a usable answer, so
/// Sunra may have accepted (and will charge for) the remix.
/// </summary>
internal readonly record struct Upstream<T>(T? Value, GatewayProblem? Problem, bool MayHaveSucceeded = false)
    where T : class
{
    [MemberNotNullWhen(false, nameof(Value))]
    [MemberNotNullWhen(true, nameof(Problem))]
    public bool Failed => Problem is not null;

    public static implicit operator Upstream<T>(T value) => new(value, null);

    public static implicit operator Upstream<T>(GatewayProblem problem) => new(null, problem);
}

/// <summary>
/// The one place that talks to Sunra for the handlers and translates both ways: the gateway's
/// contracts into Sunra's, and Sunra's answers and errors into the gateway's contracts and problem
/// answers. Nothing Sunra says reaches a caller without passing through here and the key redactor.
/// </summary>
internal sealed partial class SunraQueueClient(ISunraQueueApi api, SunraKeyRedactor redactor, SunraResilience circuit, GatewayMetrics metrics, ILogger<SunraQueueClient> logger)
{
    /// <summary>The one model the gateway fronts.</summary>
    public const string EndpointId = "openai/sora-2/video-to-video";

    private const int MaxRelayedMessageLength = 500;

    private const string OutcomeUnknown =
        "Sunra may still have accepted (and charged for) the remix, so the gateway will not submit it again under the same Idempotency-Key.";

    private static readonly string[] OperationNames = ["submit", "status", "result", "cancel"];

    private enum Operation
    {
        Submit,
        Status,
        Result,
        Cancel,
    }

    public Task<Upstream<RemixAccepted>> SubmitAsync(string videoId, string prompt, CancellationToken cancellationToken) =>
        CallAsync(
            Operation.Submit,
            requestId: null,
            ct => api.SubmitAsync(EndpointId, new SunraVideoToVideoInput(videoId, prompt), ct),
            submitted => submitted is { RequestId: { } id } && RequestIds.IsValid(id) && !redactor.Contains(id) && ParseState(submitted.Status ?? "IN_QUEUE") is { } state
                ? new RemixAccepted
                {
                    RequestId = id,
                    Status = state,
                    QueuePosition = submitted.QueuePosition,
                    StatusUrl = RemixLinks.Status(id),
                    ResultUrl = RemixLinks.Result(id),
                    CancelUrl = RemixLinks.Cancel(id),
                    EventsUrl = RemixLinks.Events(id),
                }
                : null,
            cancellationToken);

    public Task<Upstream<RemixStatus>> GetStatusAsync(string requestId, bool logs, CancellationToken cancellationToken) =>
        CallAsync(Operation.Status, requestId, ct => api.GetStatusAsync(requestId, logs ? 1 : 0, ct), status => ToRemixStatus(requestId, status), cancellationToken);

    public Task<Upstream<RemixResult>> GetResultAsync(string requestId, CancellationToken cancellationToken) =>
        CallAsync(
            Operation.Result,
            requestId,
            ct => api.GetResultAsync(requestId, ct),
            output => output.Video is { ContentType: { } type, FileName: { } name, FileSize: { } size, Url: { } url }
                ? new RemixResult
                {
                    Video = new RemixVideo { ContentType = redactor.Redact(type), FileName = redactor.Redact(name), FileSize = size, Url = redactor.Redact(url) },
                }
                : null,
            cancellationToken);

    public Task<Upstream<RemixCancellation>> CancelAsync(string requestId, CancellationToken cancellationToken) =>
        CallAsync(
            Operation.Cancel,
            requestId,
            ct => api.CancelAsync(requestId, ct),
            _ => new RemixCancellation { RequestId = requestId, Status = "CANCELLATION_REQUESTED", StatusUrl = RemixLinks.Status(requestId) },
            cancellationToken);

    private async Task<Upstream<T>> CallAsync<TWire, T>(
        Operation operation,
        string? requestId,
        Func<CancellationToken, Task<IApiResponse<TWire>>> call,
        Func<TWire, T?> translate,
        CancellationToken cancellationToken)
        where T : class
    {
        IApiResponse<TWire> response;
        try
        {
            response = await call(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ExecutionRejectedException)
        {
            metrics.SunraCall(OperationNames[(int)operation], "no-answer");
            return Failure<T>(operation, TransportProblem(operation, e, Reached(e), cancellationToken), Reached(e));
        }

        using (response)
        {
            metrics.SunraCall(OperationNames[(int)operation], response.IsReceived ? StatusNames.Of((int)response.StatusCode!) : "no-answer");
            if (!response.IsReceived)
            {
                var failure = response.Error?.InnerException ?? response.Error;
                return Failure<T>(operation, TransportProblem(operation, failure, Reached(failure), cancellationToken), Reached(failure));
            }

            if (response.IsSuccessful && response.Content is { } content && translate(content) is { } value)
            {
                return value;
            }

            if (response.IsSuccessStatusCode && operation == Operation.Submit)
            {
                // Sunra said yes to a paid generation, in words the gateway cannot use.
                LogSubmitUnreadable((int)response.StatusCode!);
                return Failure<T>(
                    operation,
                    new GatewayProblem(
                        StatusCodes.Status502BadGateway,
                        ProblemTypes.UpstreamError,
                        "Sunra gave an answer the gateway cannot read",
                        "Sunra answered the submit, but not in the shape of its queue protocol. The operators have been told."),
                    reachedSunra: true);
            }

            if (response.IsSuccessStatusCode)
            {
                LogUnreadable(operation, (int)response.StatusCode!);
                return new GatewayProblem(
                    StatusCodes.Status502BadGateway,
                    ProblemTypes.UpstreamError,
                    "Sunra gave an answer the gateway cannot read",
                    "Sunra answered, but not in the shape of its queue protocol.");
            }

            // A 408 or 5xx may come after Sunra queued the remix (its own clients' retries of these
            // are how videos get bought twice), so such a submit may have been sold.
            var status = (int)response.StatusCode!.Value;
            return Failure<T>(operation, Translate(operation, requestId, response), reachedSunra: status is 408 or >= 500);
        }
    }

    // A failed submit that may have been sold says so, whatever the failure: the caller must not
    // take the problem for a refusal and submit again as if nothing had been bought.
    private static Upstream<T> Failure<T>(Operation operation, GatewayProblem problem, bool reachedSunra)
        where T : class =>
        operation == Operation.Submit && reachedSunra
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

    // No answer at all: the call timed out, or the connection failed. A caller that went away is not
    // a problem to answer, so its cancellation goes on up.
    private GatewayProblem TransportProblem(Operation operation, Exception? failure, bool reached, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (failure is BrokenCircuitException broken)
        {
            LogCircuitOpen(operation);
            return new GatewayProblem(
                StatusCodes.Status503ServiceUnavailable,
                ProblemTypes.UpstreamUnavailable,
                "Sunra is failing",
                "Sunra failed too often just now, so the gateway stopped calling it for a short while. Nothing was sent to Sunra. Try again after the Retry-After delay.")
            {
                RetryAfter = broken.RetryAfter ?? circuit.BreakDuration,
            };
        }

        if (failure is OperationCanceledException or TimeoutException or TimeoutRejectedException || failure?.InnerException is TimeoutException)
        {
            LogTimeout(operation);
            return new GatewayProblem(
                StatusCodes.Status504GatewayTimeout,
                ProblemTypes.UpstreamTimeout,
                "Sunra did not answer in time",
                operation == Operation.Submit
                    ? "Sunra did not answer the submit in time."
                    : "Sunra did not answer in time. Try again.");
        }

        LogUnreachable(operation, redactor.Redact(failure?.Message ?? "no answer"));
        return new GatewayProblem(
            StatusCodes.Status502BadGateway,
            ProblemTypes.UpstreamUnreachable,
            "Sunra could not be reached",
            operation == Operation.Submit && reached
                ? "The connection to Sunra failed before its answer arrived."
                : "The gateway could not complete the call to Sunra. Try again.");
    }

    private GatewayProblem Translate(Operation operation, string? requestId, IApiResponse response)
    {
        var status = (int)response.StatusCode!.Value;
        var message = MessageOf((response.Error as ApiException)?.Content);
        LogRefused(operation, status, message);

        return (response.StatusCode, operation) switch
        {
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) => new GatewayProblem(
                StatusCodes.Status502BadGateway,
                ProblemTypes.UpstreamCredentials,
                "Sunra refused the gateway's credentials",
                "The gateway's own Sunra credentials were refused. Your request is fine; the operators must fix the gateway's configuration."),
            (HttpStatusCode.TooManyRequests, _) => new GatewayProblem(
                StatusCodes.Status503ServiceUnavailable,
                ProblemTypes.UpstreamThrottled,
                "Sunra is throttling the gateway",
                "Sunra asked the gateway to slow down. Try again after the Retry-After delay.")
            {
                RetryAfter = RetryAfterOf(response),
            },
            (HttpStatusCode.RequestTimeout, _) => new GatewayProblem(
                StatusCodes.Status504GatewayTimeout,
                ProblemTypes.UpstreamTimeout,
                "Sunra did not answer in time",
                message ?? "Sunra timed out."),
            (HttpStatusCode.NotFound, not Operation.Submit) => RemixProblems.NotFound(requestId!),
            (HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, Operation.Submit) => new GatewayProblem(
                StatusCodes.Status422UnprocessableEntity,
                ProblemTypes.UpstreamRejectedInput,
                "Sunra refused the remix",
                message ?? "Sunra refused the input without saying why."),
            (HttpStatusCode.BadRequest or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity, Operation.Cancel) => new GatewayProblem(
                StatusCodes.Status409Conflict,
                ProblemTypes.NotCancellable,
                "The remix cannot be canceled",
                message ?? "Sunra refused to cancel the remix."),
            _ => new GatewayProblem(
                StatusCodes.Status502BadGateway,
                ProblemTypes.UpstreamError,
                "Sunra failed",
                message is null ? $"Sunra answered {status}." : $"Sunra answered {status}: {message}")
            {
                // A failing Sunra that says when to come back (a 503 with Retry-After) is heard.
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
            var error = JsonSerializer.Deserialize(body, SunraJsonContext.Default.SunraErrorBody);
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

    private RemixStatus? ToRemixStatus(string requestId, SunraQueueStatus status)
    {
        if (ParseState(status.Status) is not { } state)
        {
            return null;
        }

        return new RemixStatus
        {
            RequestId = requestId,
            Status = state,
            QueuePosition = state == RemixState.InQueue ? status.QueuePosition : null,
            Logs = LogsOf(status.Logs),
            Success = state == RemixState.Completed ? status.Success ?? status.Error is null : null,
            Error = state == RemixState.Completed && status.Error is { } error
                ? new RemixError
                {
                    Code = error.Code is { } code ? redactor.Redact(code.ToString()) : null,
                    Message = redactor.Redact(error.Message ?? "The generation failed."),
                    Details = RedactedJson(error.Details),
                    Timestamp = error.Timestamp is { } timestamp ? redactor.Redact(timestamp.ToString()) : null,
                }
                : null,
            Metrics = state == RemixState.Completed ? new RemixMetrics { InferenceTime = status.Metrics?.InferenceTime } : null,
        };
    }

    // Logs arrive as text, or as a list of entries with a "message" each.
    private string? LogsOf(JsonElement? logs) => logs switch
    {
        { ValueKind: JsonValueKind.String } text => redactor.Redact(text.GetString()!),
        { ValueKind: JsonValueKind.Array } list => redactor.Redact(string.Join('\n', list.EnumerateArray().Select(entry =>
            entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("message", out var message) ? message.ToString() : entry.ToString()))),
        _ => null,
    };

    // Free-form JSON from Sunra is relayed only after every decoded string and name in it is
    // redacted: a key written with JSON escapes (\u0073\u006b…) is still the key.
    private JsonElement? RedactedJson(JsonElement? element)
    {
        if (element is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } value)
        {
            return null;
        }

        var node = JsonNode.Parse(value.GetRawText());
        return node is null ? null : JsonSerializer.SerializeToElement(Redacted(node), SunraJsonContext.Default.JsonNode);
    }

    private JsonNode Redacted(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(redactor.Redact(p.Key), p.Value is null ? null : Redacted(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(item => item is null ? null : Redacted(item))]),
        JsonValue text when text.TryGetValue<string>(out var s) => JsonValue.Create(redactor.Redact(s)),
        _ => node.DeepClone(),
    };

    private static RemixState? ParseState(string? status) => status switch
    {
        "IN_QUEUE" => RemixState.InQueue,
        "IN_PROGRESS" => RemixState.InProgress,
        "COMPLETED" => RemixState.Completed,
        "CANCELED" or "CANCELLED" => RemixState.Canceled,
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra was not called for {Operation}: the circuit is open")]
    private partial void LogCircuitOpen(Operation operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra did not answer {Operation} in time")]
    private partial void LogTimeout(Operation operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra could not be reached for {Operation}: {Reason}")]
    private partial void LogUnreachable(Operation operation, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sunra answered a submit with {SunraStatus} in an unreadable shape: a remix may have been accepted and not recorded")]
    private partial void LogSubmitUnreadable(int sunraStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra answered {Operation} with {SunraStatus} in an unreadable shape")]
    private partial void LogUnreadable(Operation operation, int sunraStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra refused {Operation} with {SunraStatus}: {SunraMessage}")]
    private partial void LogRefused(Operation operation, int sunraStatus, string? sunraMessage);
}
