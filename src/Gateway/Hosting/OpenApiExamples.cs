using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Remix;
using Gateway.State;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>
/// Gives every remix route the examples a reader learns from in Swagger UI: a valid remix to submit,
/// each status shape, and each problem answer the route can give, with each problem response's
/// description naming its problem types and the headers that come with it.
/// </summary>
/// <remarks>
/// Success examples are the gateway's own contract records serialized by its own JSON context, so
/// the wire names cannot drift from what is sent; problem examples are the gateway's own
/// <see cref="GatewayProblem"/>s where a factory for them can be reached.
/// </remarks>
internal sealed class ExamplesTransformer : IOpenApiOperationTransformer
{
    private const string Json = "application/json";
    private const string ProblemJson = "application/problem+json";
    private const string EventStream = "text/event-stream";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId is not { } route || operation.Responses is null)
        {
            return Task.CompletedTask;
        }

        if (route == RemixExamples.Submit && operation.RequestBody?.Content?.TryGetValue(Json, out var body) is true)
        {
            body.Examples = RemixExamples.Requests();
        }

        foreach (var (code, response) in operation.Responses)
        {
            if (response is not OpenApiResponse described || response.Content is null)
            {
                continue;
            }

            if (response.Content.TryGetValue(ProblemJson, out var problem))
            {
                var problems = ProblemExamples.For(route, int.Parse(code, System.Globalization.CultureInfo.InvariantCulture));
                problem.Examples = problems.ToDictionary(p => p.Type[(p.Type.LastIndexOf('/') + 1)..], p => (IOpenApiExample)p.ToExample());
                described.Description = $"{described.Description}: " + string.Join("; ", problems.Select(p => $"`{p.Type}` ({p.Title})"));
                if (problems.Any(p => p.RetryAfter is not null))
                {
                    AddHeader(described, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
                }
            }
            else if (response.Content.TryGetValue(Json, out var json) && RemixExamples.Answers(route, code) is { Count: > 0 } answers)
            {
                json.Examples = answers;
            }
            else if (response.Content.TryGetValue(EventStream, out var events))
            {
                // The stream is text, not one JSON document: its example is the text a caller reads.
                events.Example = JsonValue.Create(RemixExamples.EventStreamText());
            }
        }

        foreach (var (code, header, description, type) in RemixExamples.Headers(route))
        {
            if (operation.Responses.TryGetValue(code, out var response) && response is OpenApiResponse described)
            {
                AddHeader(described, header, description, type);
            }
        }

        return Task.CompletedTask;
    }

    private static void AddHeader(OpenApiResponse response, string name, string description, JsonSchemaType type)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
    }
}

/// <summary>The success examples of each remix route, one remix followed through its lifecycle.</summary>
internal static class RemixExamples
{
    public const string Submit = "SubmitRemix";
    public const string Status = "GetRemixStatus";
    public const string Result = "GetRemixResult";
    public const string Cancel = "CancelRemix";
    public const string Events = "StreamRemixEvents";

    /// <summary>The operations on one remix, which share its <c>request_id</c> problems.</summary>
    public static readonly string[] OnOneRemix = [Status, Result, Cancel, Events];

    public const string RequestId = "pd_9dc10efda213ac732a88ceb1";

    private static readonly RemixStatus InQueue = new() { RequestId = RequestId, Status = RemixState.InQueue, QueuePosition = 0 };

    private static readonly RemixStatus InProgress = new() { RequestId = RequestId, Status = RemixState.InProgress, Logs = "Remixing video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5" };

    private static readonly RemixStatus Completed = new() { RequestId = RequestId, Status = RemixState.Completed, Success = true, Metrics = new() { InferenceTime = 41.7 } };

    private static readonly RemixStatus Failed = new()
    {
        RequestId = RequestId,
        Status = RemixState.Completed,
        Success = false,
        Error = new() { Code = "content_policy_violation", Message = "The prompt was flagged by the content policy.", Timestamp = "2026-11-24T03:00:25Z" },
        Metrics = new() { InferenceTime = 3.2 },
    };

    private static readonly RemixStatus Canceled = new() { RequestId = RequestId, Status = RemixState.Canceled };

    public static Dictionary<string, IOpenApiExample> Requests() => new()
    {
        ["remix"] = Example(
            "A remix",
            "The two fields the model card requires: a Sora 2 video_id and a prompt of 1 to 5000 code points.",
            new RemixRequest { VideoId = "video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5", Prompt = "The same scene at dusk, in the rain, shot on 16 mm film" },
            RemixJsonContext.Default.RemixRequest),
        ["with-webhook"] = Example(
            "A remix that calls back",
            "The gateway POSTs the outcome, signed, to webhook_url once the remix completes or is canceled. The caller needs a webhook secret and the host must be allowed.",
            new RemixRequest { VideoId = "video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5", Prompt = "The same scene at dawn, in fog", WebhookUrl = "https://hooks.orders.internal/remix-done" },
            RemixJsonContext.Default.RemixRequest),
    };

    public static Dictionary<string, IOpenApiExample> Answers(string route, string code) => (route, code) switch
    {
        (Submit, "202") => new()
        {
            ["accepted"] = Example(
                "Queued at Sunra",
                "Follow the remix with these URLs: poll status_url, stream events_url, fetch result_url once COMPLETED.",
                new RemixAccepted
                {
                    RequestId = RequestId,
                    Status = RemixState.InQueue,
                    QueuePosition = 0,
                    StatusUrl = RemixLinks.Status(RequestId),
                    ResultUrl = RemixLinks.Result(RequestId),
                    CancelUrl = RemixLinks.Cancel(RequestId),
                    EventsUrl = RemixLinks.Events(RequestId),
                },
                RemixJsonContext.Default.RemixAccepted),
        },
        (Status, "200") => new()
        {
            ["in-queue"] = StatusExample(InQueue, "IN_QUEUE", "Waiting for a worker; queue_position 0 is next."),
            ["in-progress"] = StatusExample(InProgress, "IN_PROGRESS", "Being generated; logs appear with ?logs=true."),
            ["completed"] = StatusExample(Completed, "COMPLETED with a video", "success is true: fetch the video from the result route."),
            ["completed-failed"] = StatusExample(Failed, "COMPLETED without a video", "success is false and error says why; the result route answers 422."),
            ["canceled"] = StatusExample(Canceled, "CANCELED", "Canceled before it completed; the result route answers 410."),
        },
        (Result, "200") => new()
        {
            ["video"] = Example(
                "The video",
                "The remixed video: download it from url (in sandbox mode, the gateway serves a sample).",
                new RemixResult
                {
                    Video = new()
                    {
                        ContentType = "video/mp4",
                        FileName = RequestId + ".mp4",
                        FileSize = 69426,
                        Url = $"https://files.sunra.ai/outputs/{RequestId}.mp4",
                    },
                },
                RemixJsonContext.Default.RemixResult),
        },
        (Result, "202") => new()
        {
            ["in-queue"] = StatusExample(InQueue, "Not ready: IN_QUEUE", "Ask again after the Retry-After delay."),
            ["in-progress"] = StatusExample(InProgress with { Logs = null }, "Not ready: IN_PROGRESS", "Ask again after the Retry-After delay."),
        },
        (Cancel, "202") => new()
        {
            ["cancellation-requested"] = Example(
                "Cancellation requested",
                "Sunra took the cancellation; the status route shows CANCELED once it is done.",
                new RemixCancellation { RequestId = RequestId, Status = "CANCELLATION_REQUESTED", StatusUrl = RemixLinks.Status(RequestId) },
                RemixJsonContext.Default.RemixCancellation),
        },
        _ => [],
    };

    /// <summary>A stream that follows one remix to its end, as the events route writes it.</summary>
    public static string EventStreamText() =>
        string.Concat(new[] { InQueue, InProgress with { Logs = null }, Completed }.Select(status =>
            $"id: {RemixEventStream.EventIdOf(status)}\nevent: status\ndata: {JsonSerializer.Serialize(status, RemixJsonContext.Default.RemixStatus)}\n\n"));

    public static IEnumerable<(string Code, string Header, string Description, JsonSchemaType Type)> Headers(string route) => route switch
    {
        Submit =>
        [
            ("202", "Location", "The status URL of the new remix.", JsonSchemaType.String),
            ("202", RemixSubmissions.ReplayedHeader, "true when this answer repeats the first one for the same Idempotency-Key (within " + IdempotencyRecords.RetentionText + ").", JsonSchemaType.String),
        ],
        Result =>
        [
            ("202", "Location", "The status URL of the remix.", JsonSchemaType.String),
            ("202", "Retry-After", "Seconds to wait before asking again.", JsonSchemaType.Integer),
        ],
        Cancel => [("202", "Location", "The status URL of the remix.", JsonSchemaType.String)],
        _ => [],
    };

    private static OpenApiExample StatusExample(RemixStatus status, string summary, string description) =>
        Example(summary, description, status, RemixJsonContext.Default.RemixStatus);

    private static OpenApiExample Example<T>(string summary, string description, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        new() { Summary = summary, Description = description, Value = JsonSerializer.SerializeToNode(value, type) };
}

/// <summary>
/// Every problem answer, with the routes that can give it: the catalog behind each problem
/// response's examples and description. The README's table of problem types says the same.
/// </summary>
internal static class ProblemExamples
{
    private const string TraceId = "00-a9d8c2e522b258b01c859d0fda0d4361-fa9b46c8103095aa-01";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static readonly (GatewayProblem Problem, string[]? Routes)[] Catalog =
    [
        (new GatewayProblem(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "The request is invalid", "video_id must not be empty. prompt must be 1 to 5000 characters (Unicode code points); it has 5001.")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["errors"] = new Dictionary<string, string[]>
                {
                    ["video_id"] = ["video_id must not be empty."],
                    ["prompt"] = ["prompt must be 1 to 5000 characters (Unicode code points); it has 5001."],
                },
            },
        }, [RemixExamples.Submit]),
        (GatewayProblem.Invalid("request_id", "The request is invalid", "request_id must be 1 to 128 letters, digits, '_' or '-'."), RemixExamples.OnOneRemix),
        (new GatewayProblem(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthenticated, "A caller key is needed", "Send your service's key as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'."), null),
        (RemixProblems.NotFound(RemixExamples.RequestId), RemixExamples.OnOneRemix),
        (new GatewayProblem(StatusCodes.Status409Conflict, ProblemTypes.IdempotencyOutcomeUnknown, "The outcome of the first request with this key is unknown", "The first request with this Idempotency-Key reached Sunra, but its answer was lost, so Sunra may or may not have accepted (and charged for) the remix. The gateway will not submit it again under this key. Submitting with a new key may buy a second remix."), [RemixExamples.Submit]),
        (new GatewayProblem(StatusCodes.Status409Conflict, ProblemTypes.IdempotencyKeyInUse, "Another request holds this Idempotency-Key", "Another request with this Idempotency-Key took it over while this one waited. Nothing was submitted by this request; send it again to get that request's answer."), [RemixExamples.Submit]),
        (new GatewayProblem(StatusCodes.Status409Conflict, ProblemTypes.NotCancellable, "The remix cannot be canceled", "The request has already completed and cannot be canceled."), [RemixExamples.Cancel]),
        (RemixProblems.Canceled(RemixExamples.RequestId), [RemixExamples.Result]),
        (new GatewayProblem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "The body is too large", $"A remix request is at most {EdgeExtensions.MaxRequestBodyBytes / 1024} KiB."), [RemixExamples.Submit]),
        (new GatewayProblem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Unsupported Media Type", "Send the body as UTF-8 JSON, with Content-Type: application/json."), [RemixExamples.Submit]),
        (new GatewayProblem(StatusCodes.Status422UnprocessableEntity, ProblemTypes.UpstreamRejectedInput, "Sunra refused the remix", "video_id: no video with this id belongs to the account."), [RemixExamples.Submit]),
        (new GatewayProblem(StatusCodes.Status422UnprocessableEntity, ProblemTypes.IdempotencyKeyReused, "The Idempotency-Key was used for another remix", "This caller already sent a different video_id or prompt with this Idempotency-Key. Use a new key for a new remix."), [RemixExamples.Submit]),
        (RemixProblems.GenerationFailed(new RemixError { Code = "content_policy_violation", Message = "The prompt was flagged by the content policy." }), [RemixExamples.Result]),
        (new GatewayProblem(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests", "This caller is over its rate limit. Try again after the Retry-After delay.") { RetryAfter = Wait }, null),
        (new GatewayProblem(StatusCodes.Status429TooManyRequests, ProblemTypes.QuotaExhausted, "Daily submit quota spent", "This caller has submitted as many remixes as its daily quota allows (the day starts at 00:00 UTC). Try again after the Retry-After delay.") { RetryAfter = Wait }, [RemixExamples.Submit]),
        (new GatewayProblem(StatusCodes.Status502BadGateway, ProblemTypes.UpstreamError, "Sunra failed", "Sunra answered 500: Internal server error."), null),
        (new GatewayProblem(StatusCodes.Status502BadGateway, ProblemTypes.UpstreamUnreachable, "Sunra could not be reached", "The gateway could not complete the call to Sunra. Try again."), null),
        (new GatewayProblem(StatusCodes.Status502BadGateway, ProblemTypes.UpstreamCredentials, "Sunra refused the gateway's credentials", "The gateway's own Sunra credentials were refused. Your request is fine; the operators must fix the gateway's configuration."), null),
        (new GatewayProblem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.UpstreamThrottled, "Sunra is throttling the gateway", "Sunra asked the gateway to slow down. Try again after the Retry-After delay.") { RetryAfter = Wait }, null),
        (new GatewayProblem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.UpstreamUnavailable, "Sunra is failing", "Sunra failed too often just now, so the gateway stopped calling it for a short while. Nothing was sent to Sunra. Try again after the Retry-After delay.") { RetryAfter = Wait }, null),
        (StateStoreUnavailableHandler.Problem, null),
        (new GatewayProblem(StatusCodes.Status504GatewayTimeout, ProblemTypes.UpstreamTimeout, "Sunra did not answer in time", "Sunra did not answer in time. Try again."), null),
    ];

    /// <summary>The problems this route can answer with this status.</summary>
    public static IReadOnlyList<GatewayProblem> For(string route, int status) =>
        [.. Catalog.Where(entry => entry.Problem.Status == status && (entry.Routes is null || entry.Routes.Contains(route))).Select(entry => entry.Problem)];

    public static OpenApiExample ToExample(this GatewayProblem problem)
    {
        var body = new JsonObject
        {
            ["type"] = problem.Type,
            ["title"] = problem.Title,
            ["status"] = problem.Status,
            ["detail"] = problem.Detail,
        };
        foreach (var (name, value) in problem.Extensions ?? new Dictionary<string, object?>())
        {
            body[name] = value switch
            {
                IDictionary<string, string[]> errors => new JsonObject(errors.Select(field =>
                    KeyValuePair.Create(field.Key, (JsonNode?)new JsonArray([.. field.Value.Select(message => JsonValue.Create(message))])))),
                _ => JsonValue.Create(value as string),
            };
        }

        body["trace_id"] = TraceId;
        return new OpenApiExample
        {
            Summary = problem.Title,
            Description = problem.RetryAfter is null ? null : "Comes with a Retry-After header.",
            Value = body,
        };
    }
}
