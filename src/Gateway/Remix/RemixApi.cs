using System.ComponentModel;
using Gateway.Callers;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static Gateway.Problems.ProblemCatalog;

namespace Gateway.Remix;

/// <summary>
/// The gateway's own door, <c>/remix</c>: submit, then follow the request through Sunra's queue. Each
/// handler maps its request to a call of the core and the core's answer to this door's shapes, links
/// and problem answers; every rule is the core's.
/// </summary>
public static class RemixApi
{
    public static WebApplicationBuilder AddRemixDoor(this WebApplicationBuilder builder)
    {
        builder.Services.AddJsonContracts(RemixJsonContext.Default);
        builder.Services.AddOpenApiParts(openApi => openApi.AddOperationTransformer<RemixExamples>());
        builder.Services.AddOpenApiTag(
            "Remix",
            order: 0,
            "The gateway's own API: submit a remix, then follow it by polling its status, streaming its events or fetching its result. " +
            "Every refusal is an application/problem+json answer that says what to fix.");
        return builder;
    }

    public static IEndpointRouteBuilder MapRemix(this IEndpointRouteBuilder app)
    {
        var remix = app.MapGroup("/remix")
            .WithTags("Remix")
            .RequireAuthorization()
            .ProducesProblems(Unauthenticated, RateLimited, UpstreamCredentials, UpstreamError, UpstreamUnreachable, UpstreamThrottled, UpstreamUnavailable, StateUnavailable, UpstreamTimeout);

        remix.MapPost("/", Submit)
            .RequireRateLimiting(CallerPolicies.Submit)
            .WithName(RemixExamples.Submit)
            .WithSummary("Submit a remix")
            .WithDescription(
                "Validates the request against the model card (video_id at least 1 character; prompt 1 to 5000 Unicode code points), " +
                "then submits it to Sunra's queue once. Answers 202 with the request_id and the gateway's URLs to follow it. " +
                "With an Idempotency-Key, a repeat of the same request within " + IdempotencyKeys.RetentionText + " answers the original request_id " +
                "(with Idempotent-Replayed: true) instead of buying another remix.")
            .ProducesProblems(InvalidRequest, IdempotencyOutcomeUnknown, IdempotencyKeyInUse, PayloadTooLarge, UnsupportedMediaType, UpstreamRejectedInput, IdempotencyKeyReused, QuotaExhausted, AccountBudgetSpent);

        // A remix is seen only by the caller that submitted it; for anyone else it does not exist.
        var one = remix.MapGroup("/{request_id}")
            .RequireRateLimiting(CallerPolicies.Read)
            .ProducesProblems(InvalidRequest, RemixNotFound);

        one.MapGet("/status", GetStatus)
            .RequireRateLimiting(CallerPolicies.Status)
            .WithName(RemixExamples.Status)
            .WithSummary("Get a remix's queue status")
            .WithDescription("IN_QUEUE (with queue_position), IN_PROGRESS, COMPLETED (with success, error and metrics) or CANCELED. `?logs=true` adds the generation's logs.");

        one.MapGet("", GetResult)
            .WithName(RemixExamples.Result)
            .WithSummary("Get a remix's video")
            .WithDescription(
                "200 with the video once the remix completed successfully. Before that, 202 with the status and a Retry-After header. " +
                "A generation that failed answers 422 (generation-failed); a canceled one 410 (remix-canceled).")
            .ProducesProblems(RemixCanceled, GenerationFailed);

        one.MapPost("/cancel", Cancel)
            .WithName(RemixExamples.Cancel)
            .WithSummary("Cancel a remix")
            .WithDescription("Asks Sunra to cancel the request; its status then shows CANCELED. A remix that already completed cannot be canceled (409).")
            .ProducesProblems(NotCancellable);

        one.MapGet("/events", Events)
            .RequireRateLimiting(CallerPolicies.Events)
            .WithName(RemixExamples.Events)
            .WithSummary("Follow a remix as server-sent events")
            .WithDescription(
                "A `status` event (the same JSON as the status route, with an `id`) each time the status changes, a `: heartbeat` comment " +
                "while nothing changes, and the end right after COMPLETED or CANCELED. Reconnect with `Last-Event-ID` to get only what is new; " +
                "204 when that was the final event.");

        return app;
    }

    internal static async Task<Results<Accepted<RemixAccepted>, ProblemHttpResult>> Submit(
        RemixRequest request,
        [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyKeys.Description)] string? idempotencyKey,
        RemixSubmissions submissions,
        HttpContext http)
    {
        var submitted = await submissions.SubmitAsync(request.ToOrder(), http.CallerName(), http.Request.HeaderAsSent(IdempotencyKeys.Header, idempotencyKey), http.RequestAborted);
        if (submitted.Failed)
        {
            return submitted.Problem.ToResult(http);
        }

        if (submitted.Value.Replayed)
        {
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        }

        var accepted = RemixAccepted.Of(submitted.Value);
        return TypedResults.Accepted(accepted.ResultUrl, accepted);
    }

    /// <param name="requestId">The remix.</param>
    /// <param name="statuses">The core's status reads.</param>
    /// <param name="clock">The gateway's clock, for the status's age.</param>
    /// <param name="http">The call.</param>
    /// <param name="logs">true adds the generation's logs (read as text, so that a value that is not a boolean gets the gateway's own problem answer).</param>
    internal static async Task<Results<Ok<RemixStatus>, ProblemHttpResult>> GetStatus(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, TimeProvider clock, HttpContext http, string? logs = null)
    {
        if (!bool.TryParse(string.IsNullOrEmpty(logs) ? "false" : logs, out var withLogs))
        {
            return Problem.Invalid("logs", "logs must be true or false.").ToResult(http);
        }

        var status = await statuses.GetAsync(requestId, http.CallerName(), withLogs, http.RequestAborted);
        if (status.Failed)
        {
            return status.Problem.ToResult(http);
        }

        AgeHeader.Write(http.Response, status.Value.SeenAt, clock.GetUtcNow());
        return TypedResults.Ok(status.Value);
    }

    internal static async Task<Results<Ok<RemixResult>, Accepted<RemixStatus>, ProblemHttpResult>> GetResult(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, HttpContext http)
    {
        var read = await statuses.ReadResultAsync(requestId, http.CallerName(), http.RequestAborted);
        switch (read.Kind)
        {
            case ResultKind.Video:
                return TypedResults.Ok(read.Result);
            case ResultKind.NotFinished:
                http.Response.Headers.RetryAfter = ProblemResults.RetryAfterSeconds(read.RetryAfter!.Value);
                return TypedResults.Accepted(RemixLinks.Status(requestId), read.Status);
            case ResultKind.Canceled:
                return Canceled(requestId).ToResult(http);
            case ResultKind.Failed:
                return Failed(GenerationFailed, read.Status!.Error).ToResult(http);
            default:
                return read.Problem!.ToResult(http);
        }
    }

    internal static async Task<Results<Accepted<RemixCancellation>, ProblemHttpResult>> Cancel(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixCancellations cancellations, HttpContext http)
    {
        var canceled = await cancellations.CancelAsync(requestId, http.CallerName(), http.RequestAborted);
        return canceled.Failed
            ? canceled.Problem.ToResult(http)
            : TypedResults.Accepted(RemixLinks.Status(requestId), RemixCancellation.Of(requestId));
    }

    internal static async Task<Results<RemixEventStream, NoContent, ProblemHttpResult>> Events(
        [FromRoute(Name = "request_id"), RequestId] string requestId,
        [FromHeader(Name = RemixEventStream.LastEventIdHeader)] string? lastEventId,
        StatusFollower follower,
        HttpContext http)
    {
        var stream = await follower.OpenAsync(requestId, http.CallerName(), lastEventId, http.RequestAborted);
        if (stream.Failed)
        {
            return stream.Problem.ToResult(http);
        }

        // A caller that already has the final event is told there is nothing more: a 204 stops a
        // browser's EventSource from reconnecting, where an empty stream would not.
        return stream.Value.AlreadyEnded ? TypedResults.NoContent() : new RemixEventStream(stream.Value.Statuses);
    }
}
