using System.ComponentModel;
using Gateway.Callers;
using Gateway.Hosting;
using Gateway.Core;
using Gateway.Problems;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.Metadata;
using Sunra.Protocol;
using static Gateway.Problems.ProblemCatalog;

namespace Gateway.SunraDoor;

/// <summary>
/// The gateway as a Sunra base URL: under <c>/v1</c>, Sunra's queue protocol for the one endpoint the
/// gateway fronts, so Sunra's clients and the model card's curl work with the caller's key in place of
/// SUNRA_KEY. Every rule is the core's (<see cref="RemixSubmissions"/>, <see cref="RemixStatuses"/>, the
/// ownership check, the caller policies, the request's validation); these handlers only translate
/// shapes. The client proxy route (<see cref="SunraProxy"/>) is this same door, reached another way.
/// </summary>
public static class SunraDoorApi
{
    public const string Base = "/v1";

    public const string EndpointId = SunraQueueClient.EndpointId;

    /// <summary>The values of <c>logs</c> that Sunra's clients send (0 and 1) and that are taken besides.</summary>
    public static readonly string[] LogsValues = ["0", "1", "true", "false"];

    private const string Tag = "Sunra protocol";

    public static WebApplicationBuilder AddSunraDoor(this WebApplicationBuilder builder)
    {
        // First among the writers: the default one would write problem+json for any caller that accepts JSON.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, SunraErrorWriter>());
        builder.Services.AddJsonContracts(SunraProtocolJsonContext.Default);
        builder.Services.AddJsonContracts(SunraDoorJsonContext.Default);
        builder.Services.AddOpenApiParts(openApi => openApi.AddOperationTransformer<SunraDoorOpenApi>());
        builder.Services.AddOpenApiTag(
            Tag,
            order: 1,
            "Sunra's queue protocol under /v1, and its client proxy: code written against Sunra's clients or the model card's curl works through the gateway " +
            "with the caller's key in place of SUNRA_KEY. The same core, rules and limits as /remix; answers and errors in Sunra's shapes.");
        return builder;
    }

    /// <summary>True for the paths whose answers are Sunra-shaped: the <c>/v1</c> door and the proxy route.</summary>
    public static bool Serves(PathString path) => path.StartsWithSegments(Base) || path.StartsWithSegments(SunraProxy.Route);

    /// <summary>
    /// Before routing (and so before authentication): every answer of the door gets <c>x-request-id</c>
    /// (Sunra's clients report it with an error), and a proxy call, or Python's <c>/v1/queue//requests/…</c>,
    /// becomes the <c>/v1</c> call it stands for, which routing then finds with all its rules.
    /// </summary>
    public static WebApplication UseSunraDoor(this WebApplication app)
    {
        app.UseWhen(context => Serves(context.Request.Path), door =>
        {
            door.Use((context, next) =>
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers["x-request-id"] = context.TraceIdentifier;
                    return Task.CompletedTask;
                });
                return next(context);
            });
            door.UseWhen(IsProxyCall, proxy => proxy.Use(SunraProxy.TranslateAsync));
            door.UseWhen(context => context.Request.Path.StartsWithSegments(PythonQueuePath), python => python.Use(MendPythonPath));
        });
        return app;
    }

    private static bool IsProxyCall(HttpContext context) => context.Request.Path.Equals(SunraProxy.Route, StringComparison.OrdinalIgnoreCase);

    // Sunra's Python client joins "…/v1/queue/" and "/requests/{id}" for its calls by id.
    private const string PythonQueuePath = Base + "/queue//requests";

    private static Task MendPythonPath(HttpContext context, RequestDelegate next)
    {
        context.Request.Path = Base + "/queue" + context.Request.Path.Value![(Base + "/queue/").Length..];
        return next(context);
    }

    public static IEndpointRouteBuilder MapSunraDoor(this IEndpointRouteBuilder app)
    {
        var queue = app.MapGroup(Base + "/queue")
            .WithTags(Tag)
            .RequireAuthorization()
            .ProducesSunraErrors(Unauthenticated, RateLimited, UpstreamCredentials, UpstreamError, UpstreamUnreachable, UpstreamThrottled, UpstreamUnavailable, StateUnavailable, UpstreamTimeout);

        queue.MapPost("/" + EndpointId, Submit)
            .RequireRateLimiting(CallerPolicies.Submit)
            .WithName("SunraSubmit")
            .WithSummary("Submit, as Sunra's queue protocol")
            .WithDescription(
                "Sunra's submit for openai/sora-2/video-to-video, with the caller's key as 'Authorization: Key <key>'. The same validation, limits, " +
                "quota, Idempotency-Key and webhooks as POST /remix. Answers 200 with request_id and the gateway's status_url, response_url and cancel_url. " +
                "Errors are Sunra's error body ({\"error\": {type, code, message, details}, timestamp, request_id}) as application/json.")
            .ProducesSunraErrors(InvalidRequest, IdempotencyOutcomeUnknown, IdempotencyKeyInUse, PayloadTooLarge, UnsupportedMediaType, UpstreamRejectedInput, IdempotencyKeyReused, QuotaExhausted, AccountBudgetSpent);

        // Sunra's other endpoint ids: the gateway fronts one model.
        queue.MapPost("/{**endpoint_id}", UnknownEndpoint).ExcludeFromDescription();

        // A request is seen only by the caller that submitted it, on every door.
        var one = queue.MapGroup("/requests/{request_id}")
            .RequireRateLimiting(CallerPolicies.Read)
            .ProducesSunraErrors(InvalidRequest, RemixNotFound);

        one.MapGet("/status", GetStatus)
            .RequireRateLimiting(CallerPolicies.Status)
            .WithName("SunraStatus")
            .WithSummary("A request's status, as Sunra's queue protocol")
            .WithDescription("IN_QUEUE, IN_PROGRESS, COMPLETED (always with success) or CANCELED, with the request's URLs. logs=1 adds the generation's logs.");

        one.MapGet("/status/stream", StreamStatus)
            .RequireRateLimiting(CallerPolicies.Events)
            .WithName("SunraStatusStream")
            .WithSummary("A request's status as server-sent events, as Sunra's queue protocol")
            .WithDescription("'data: <status JSON>' per change, ': heartbeat' comments while nothing changes, and the end right after COMPLETED or CANCELED. Logs are not streamed: poll the status with logs=1.");

        one.MapGet("", GetResult)
            .WithName("SunraResult")
            .WithSummary("A request's video, as Sunra's queue protocol")
            .WithDescription("200 {\"video\": {...}} once COMPLETED with success. Before that 400 REQUEST_NOT_COMPLETED; a failed generation 400 PREDICTION_FAILED with the error in details; a canceled request 410 REMIX_CANCELED.")
            .ProducesSunraErrors(RequestNotCompleted, PredictionFailed, RemixCanceled);

        one.MapPut("/cancel", Cancel)
            .WithName("SunraCancel")
            .WithSummary("Cancel a request, as Sunra's queue protocol")
            .WithDescription("Asks Sunra to cancel the request; answers {\"status\": \"CANCELED\", ...}. A request that already completed cannot be canceled (409 NOT_CANCELLABLE).")
            .ProducesSunraErrors(NotCancellable);

        // The client proxy: this same door, reached with the real Sunra URL in a header. A target that is
        // served never reaches these endpoints (it becomes the /v1 call it names); a refused one does.
        var proxy = app.MapGroup(SunraProxy.Route)
            .WithTags(Tag)
            .RequireAuthorization()
            .WithDescription(
                "For Sunra's JavaScript and Java/Kotlin clients configured with proxyUrl: the call the X-Sunra-Target-Url header names, which must be one of " +
                "Sunra's queue URLs for openai/sora-2/video-to-video (https://api.sunra.ai/v1/queue/...), is answered as the same call under /v1, with the same rules. " +
                "Nothing is relayed: any other scheme, host, port, path or endpoint is refused (400 PROXY_TARGET_REFUSED, 404 ENDPOINT_NOT_FOUND) and nothing is sent anywhere.")
            .ProducesSunraErrors(ProxyTargetRefused, EndpointNotFound, InvalidRequest, RemixNotFound)
            .ProducesSunraErrors(Unauthenticated, RateLimited, UpstreamCredentials, UpstreamError, UpstreamUnreachable, UpstreamThrottled, UpstreamUnavailable, StateUnavailable, UpstreamTimeout);

        proxy.MapGet("", SunraProxy.Refuse)
            .WithName(SunraProxy.ReadOperation)
            .WithSummary("A status, status stream or result, through Sunra's client proxy protocol")
            .Produces<SunraStatus>(StatusCodes.Status200OK)
            .ProducesSunraErrors(RequestNotCompleted, PredictionFailed, RemixCanceled);

        proxy.MapPost("", SunraProxy.Refuse)
            .WithName(SunraProxy.SubmitOperation)
            .WithSummary("A submit, through Sunra's client proxy protocol")
            .Produces<SunraSubmitted>(StatusCodes.Status200OK)
            .ProducesSunraErrors(IdempotencyOutcomeUnknown, IdempotencyKeyInUse, PayloadTooLarge, UnsupportedMediaType, UpstreamRejectedInput, IdempotencyKeyReused, QuotaExhausted, AccountBudgetSpent);

        proxy.MapPut("", SunraProxy.Refuse)
            .WithName(SunraProxy.CancelOperation)
            .WithSummary("A cancel, through Sunra's client proxy protocol")
            .Produces<SunraStatus>(StatusCodes.Status200OK)
            .ProducesSunraErrors(NotCancellable);

        return app;
    }

    internal static async Task<Results<Ok<SunraSubmitted>, ProblemHttpResult>> Submit(
        RemixRequest request,
        [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyKeys.Description)] string? idempotencyKey,
        [Description("Where the gateway POSTs the outcome (Sunra's JavaScript and Python clients send it here, unencoded or encoded); the same rules as webhook_url on POST /remix.")] string? webhook,
        [FromQuery(Name = "sunra_webhook"), Description("The same, as Sunra's Java client sends it.")] string? sunraWebhook,
        [Description(LogsDescription)] string? logs,
        RemixSubmissions submissions,
        HttpContext http)
    {
        if (LogsRefusal(logs) is { } badLogs)
        {
            return badLogs.ToResult(http);
        }

        // The webhook of a Sunra submit is in its query; the body is the model's input only. Its
        // rules, length among them, are the core's.
        var order = request.ToOrder() with { WebhookUrl = SunraWebhooks.Of(webhook, sunraWebhook, http.Request.QueryString.Value) };
        var submitted = await submissions.SubmitAsync(order, http.CallerName(), http.Request.HeaderAsSent(IdempotencyKeys.Header, idempotencyKey), http.RequestAborted);
        if (submitted.Failed)
        {
            return submitted.Problem.ToResult(http);
        }

        if (submitted.Value.Replayed)
        {
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        }

        var id = submitted.Value.RequestId;
        return TypedResults.Ok(new SunraSubmitted
        {
            RequestId = id,
            Status = submitted.Value.Status.WireName(),
            QueuePosition = submitted.Value.QueuePosition ?? 0,
            ResponseUrl = SunraLinks.Response(http.Request, id),
            StatusUrl = SunraLinks.Status(http.Request, id),
            CancelUrl = SunraLinks.Cancel(http.Request, id),
        });
    }

    // Routing passes over the submit for a body that is not JSON, and this route takes the call: for
    // the endpoint the gateway fronts, the answer is the submit's own 415.
    internal static ProblemHttpResult UnknownEndpoint([FromRoute(Name = "endpoint_id")] string endpointId, HttpContext http) =>
        (string.Equals(endpointId, EndpointId, StringComparison.OrdinalIgnoreCase)
            ? ProblemCatalog.UnsupportedMediaType.AsProblem()
            : ProblemCatalog.UnknownEndpoint(EndpointId, endpointId)).ToResult(http);

    internal static async Task<Results<Ok<SunraStatus>, ProblemHttpResult>> GetStatus(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, TimeProvider clock, HttpContext http, [Description(LogsDescription)] string? logs = null)
    {
        if (LogsRefusal(logs) is { } badLogs)
        {
            return badLogs.ToResult(http);
        }

        var status = await statuses.GetAsync(requestId, http.CallerName(), logs is "1" or "true", http.RequestAborted);
        if (status.Failed)
        {
            return status.Problem.ToResult(http);
        }

        AgeHeader.Write(http.Response, status.Value.SeenAt, clock.GetUtcNow());
        return TypedResults.Ok(Shape(status.Value, http.Request));
    }

    internal static async Task<Results<SunraStatusStream, ProblemHttpResult>> StreamStatus(
        [FromRoute(Name = "request_id"), RequestId] string requestId,
        StatusFollower follower,
        HttpContext http,
        [Description(LogsDescription)] string? logs = null)
    {
        if (LogsRefusal(logs) is { } badLogs)
        {
            return badLogs.ToResult(http);
        }

        var stream = await follower.OpenAsync(requestId, http.CallerName(), lastSeen: null, http.RequestAborted);
        if (stream.Failed)
        {
            return stream.Problem.ToResult(http);
        }

        var request = http.Request;
        return new SunraStatusStream(stream.Value.Statuses, status => Shape(status, request));
    }

    internal static async Task<Results<Ok<RemixResult>, ProblemHttpResult>> GetResult(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, HttpContext http)
    {
        // The same read as GET /remix/{request_id}, in the words Sunra's clients expect.
        var read = await statuses.ReadResultAsync(requestId, http.CallerName(), http.RequestAborted);
        return read.Kind switch
        {
            ResultKind.Video => TypedResults.Ok(read.Result!.ResolvedAgainst(http.Request.Origin())),
            ResultKind.NotFinished => ProblemCatalog.NotCompleted(requestId).ToResult(http),
            ResultKind.Canceled => ProblemCatalog.Canceled(requestId).ToResult(http),
            ResultKind.Failed => ProblemCatalog.Failed(ProblemCatalog.PredictionFailed, read.Status!.Error).ToResult(http),
            _ => read.Problem!.ToResult(http),
        };
    }

    internal static async Task<Results<Ok<SunraStatus>, ProblemHttpResult>> Cancel(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixCancellations cancellations, HttpContext http)
    {
        var canceled = await cancellations.CancelAsync(requestId, http.CallerName(), http.RequestAborted);

        // Sunra's Java and Kotlin clients read the answer as a status, which must be one of the four.
        return canceled.Failed
            ? canceled.Problem.ToResult(http)
            : TypedResults.Ok(Shape(new RemixStatus { RequestId = requestId, Status = RemixState.Canceled }, http.Request));
    }

    /// <summary>A status in Sunra's shape, with the gateway's URLs: COMPLETED always has success and metrics, as Sunra's clients expect.</summary>
    internal static SunraStatus Shape(RemixStatus status, HttpRequest request)
    {
        var completed = status.Status == RemixState.Completed;
        return new SunraStatus
        {
            RequestId = status.RequestId,
            Status = status.Status,
            QueuePosition = status.Status == RemixState.InQueue ? status.QueuePosition ?? 0 : null,
            Logs = status.Logs,
            Success = status.Success,
            Error = status.Error,
            Metrics = completed ? status.Metrics ?? new RemixMetrics() : null,
            ResponseUrl = SunraLinks.Response(request, status.RequestId),
            StatusUrl = SunraLinks.Status(request, status.RequestId),
            CancelUrl = SunraLinks.Cancel(request, status.RequestId),
        };
    }

    private const string LogsDescription = "0 or 1 (true or false are taken too), as Sunra's clients send it.";

    // Sunra's clients send logs=0 or logs=1.
    private static Problem? LogsRefusal(string? logs) =>
        logs is null || LogsValues.Contains(logs)
            ? null
            : Problem.Invalid("logs", "logs must be 0, 1, true or false.");

    /// <summary>Declares the problems a route can answer with, in Sunra's error shape as <c>application/json</c>.</summary>
    private static TBuilder ProducesSunraErrors<TBuilder>(this TBuilder builder, params ProblemType[] types)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ProblemsMetadata(types));
        foreach (var status in types.Select(type => type.Status).Distinct())
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(SunraErrorBody), ["application/json"]));
        }

        return builder;
    }
}
