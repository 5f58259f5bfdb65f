using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Remix;

/// <summary>
/// What a reader of <c>/remix</c> learns from in Swagger UI: a valid remix to submit, each status
/// shape, the answers' headers, and the rules of the <c>Idempotency-Key</c> header as its schema. The
/// examples are the door's own contract records serialized by its own JSON context, so the wire names
/// cannot drift from what is sent. (Problem examples come from the catalog, for every door.)
/// </summary>
internal sealed class RemixExamples : IOpenApiOperationTransformer
{
    public const string Submit = "SubmitRemix";
    public const string Status = "GetRemixStatus";
    public const string Result = "GetRemixResult";
    public const string Cancel = "CancelRemix";
    public const string Events = "StreamRemixEvents";
    public const string List = "ListRemixes";
    public const string Delete = "DeleteRemix";

    public const string RequestId = "pd_9dc10efda213ac732a88ceb1";

    private const string Json = "application/json";
    private const string EventStream = "text/event-stream";

    private static readonly RemixStatus InQueue = new() { RequestId = RequestId, Status = RemixState.InQueue, QueuePosition = 0 };

    private static readonly RemixStatus InProgress = new() { RequestId = RequestId, Status = RemixState.InProgress, Logs = "Remixing video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5" };

    private static readonly RemixStatus Completed = new() { RequestId = RequestId, Status = RemixState.Completed, Success = true, Metrics = new() { InferenceTime = 41.7 } };

    private static readonly RemixStatus Failed = new()
    {
        RequestId = RequestId,
        Status = RemixState.Completed,
        Success = false,
        Error = new GenerationFailure("content_policy_violation", "The prompt was flagged by the content policy.", Timestamp: "2026-11-24T03:00:25Z"),
        Metrics = new() { InferenceTime = 3.2 },
    };

    private static readonly RemixStatus Canceled = new() { RequestId = RequestId, Status = RemixState.Canceled };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId is not { } route || operation.Responses is null)
        {
            return Task.CompletedTask;
        }

        if (route == Submit && operation.RequestBody?.Content?.TryGetValue(Json, out var body) is true)
        {
            body.Examples = Requests();
        }

        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { In: ParameterLocation.Header, Name: IdempotencyKeys.Header, Schema: OpenApiSchema key })
            {
                key.MinLength = 1;
                key.MaxLength = IdempotencyKeys.MaxLength;
                key.Pattern = IdempotencyKeys.Pattern;
            }

            if (route == Status && parameter is OpenApiParameter { In: ParameterLocation.Query, Name: "logs" } logs)
            {
                logs.Description = "true adds the generation's logs.";
                logs.Schema = new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) };
            }

            if (route == List && parameter is OpenApiParameter { In: ParameterLocation.Query } query)
            {
                DescribeListParameter(query);
            }
        }

        foreach (var (code, response) in operation.Responses)
        {
            if (response.Content?.TryGetValue(Json, out var json) is true && Answers(route, code) is { Count: > 0 } answers)
            {
                json.Examples = answers;
            }
            else if (response.Content?.TryGetValue(EventStream, out var events) is true)
            {
                // The stream is text, not one JSON document: its example is the text a caller reads.
                events.Example = JsonValue.Create(EventStreamText());
            }
        }

        foreach (var (code, header, description, type) in Headers(route))
        {
            if (operation.Responses.TryGetValue(code, out var response) && response is OpenApiResponse described)
            {
                OpenApiProblems.AddHeader(described, header, description, type);
            }
        }

        return Task.CompletedTask;
    }

    private static Dictionary<string, IOpenApiExample> Requests() => new()
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

    // Read as text by the handler (so that a bad value gets the gateway's own problem), documented as what they are.
    private static void DescribeListParameter(OpenApiParameter parameter)
    {
        switch (parameter.Name)
        {
            case "limit":
                parameter.Description = $"How many remixes at most: 1 to {RemixApi.MaxPageSize}.";
                parameter.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Minimum = "1",
                    Maximum = RemixApi.MaxPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Default = JsonValue.Create(RemixApi.DefaultPageSize),
                };
                break;
            case "after":
                parameter.Description = "The next of the previous page, as it was given.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = RemixCursor.Pattern };
                break;
            case "status":
                parameter.Description = "Only the remixes in this state.";
                parameter.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. Enum.GetValues<RemixState>().Select(state => (JsonNode)JsonValue.Create(state.WireName()))],
                };
                break;
        }
    }

    private static Dictionary<string, IOpenApiExample> Answers(string route, string code) => (route, code) switch
    {
        (List, "200") => new()
        {
            ["page"] = Example(
                "A page of remixes",
                "Newest first; send next as after for the older ones. The prompt is shown only where the gateway keeps prompts.",
                new RemixPage
                {
                    Data =
                    [
                        RemixSummary.Of(new RemixRecord
                        {
                            RequestId = RequestId,
                            Caller = "orders",
                            SubmittedAt = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero),
                            VideoId = "video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5",
                            Status = RemixState.Completed,
                            StatusSeenAt = new DateTimeOffset(2026, 11, 24, 9, 1, 12, TimeSpan.Zero),
                            Success = true,
                            KeptVideo = new Core.Custody.KeptVideo
                            {
                                Name = RequestId,
                                ContentType = "video/mp4",
                                Size = 69426,
                                Sha256 = "6f765199c30736e79d196b59e3e1e56138ce47b6673b0e3a9345ab34334824d2",
                                KeptAt = new DateTimeOffset(2026, 11, 24, 9, 1, 15, TimeSpan.Zero),
                            },
                        }),
                    ],
                    HasMore = true,
                    Next = RemixCursor.Write(new State.IndexEntry(RequestId, new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds())),
                },
                RemixJsonContext.Default.RemixPage),
        },
        (Submit, "202") => new()
        {
            ["accepted"] = Example(
                "Queued at Sunra",
                "Follow the remix with these URLs: poll status_url, stream events_url, fetch result_url once COMPLETED.",
                RemixAccepted.Of(new SubmittedRemix { RequestId = RequestId, Status = RemixState.InQueue, QueuePosition = 0 }),
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
            ["kept-video"] = Example(
                "The video, kept by the gateway",
                "The gateway has copied the video into its own storage: url is its signed link, which needs no caller key and works until url_expires_at " +
                "(read the result again for a fresh one); sha256 is the file's hash and its ETag.",
                new RemixResult
                {
                    Video = new()
                    {
                        ContentType = "video/mp4",
                        FileName = RequestId + ".mp4",
                        FileSize = 69426,
                        Url = $"https://gateway.example/videos/{RequestId}?expires=1796209380&signature=aheYt_wAISI9-byi51cP-OeRit6UVQYAnEA3gYhRDZ0",
                        KeptByGateway = true,
                        Sha256 = "6f765199c30736e79d196b59e3e1e56138ce47b6673b0e3a9345ab34334824d2",
                        UrlExpiresAt = new DateTimeOffset(2026, 11, 24, 10, 3, 0, TimeSpan.Zero),
                    },
                },
                RemixJsonContext.Default.RemixResult),
            ["sunra-video"] = Example(
                "The video, at Sunra until it is copied",
                "Until the gateway has copied it (or when it could not), url is Sunra's, and kept_by_gateway is false (in sandbox mode, the gateway serves a sample).",
                new RemixResult
                {
                    Video = new() { ContentType = "video/mp4", FileName = RequestId + ".mp4", FileSize = 69426, Url = $"https://assets.sunra.ai/outputs/{RequestId}.mp4" },
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
                RemixCancellation.Of(RequestId),
                RemixJsonContext.Default.RemixCancellation),
        },
        _ => [],
    };

    /// <summary>A stream that follows one remix to its end, as the events route writes it.</summary>
    private static string EventStreamText() =>
        string.Concat(new[] { InQueue, InProgress with { Logs = null }, Completed }.Select(RemixEventStream.TextOf));

    private static IEnumerable<(string Code, string Header, string Description, JsonSchemaType Type)> Headers(string route) => route switch
    {
        Submit =>
        [
            ("202", "Location", "The result URL of the new remix (the same as result_url).", JsonSchemaType.String),
            ("202", IdempotencyKeys.ReplayedHeader, "true when this answer repeats the first one for the same Idempotency-Key (within " + IdempotencyKeys.RetentionText + ").", JsonSchemaType.String),
        ],
        Result =>
        [
            ("202", "Location", "The status URL of the remix.", JsonSchemaType.String),
            ("202", "Retry-After", "Seconds to wait before asking again.", JsonSchemaType.Integer),
        ],
        Cancel => [("202", "Location", "The status URL of the remix.", JsonSchemaType.String)],
        Status => [("200", AgeHeader.Name, AgeHeader.Description, JsonSchemaType.Integer)],
        _ => [],
    };

    private static OpenApiExample StatusExample(RemixStatus status, string summary, string description) =>
        Example(summary, description, status, RemixJsonContext.Default.RemixStatus);

    private static OpenApiExample Example<T>(string summary, string description, T value, JsonTypeInfo<T> type) =>
        new() { Summary = summary, Description = description, Value = JsonSerializer.SerializeToNode(value, type) };
}
